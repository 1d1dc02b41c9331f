"""A service with one resource per flavour of the resource API, for the resource tests.

- ``/toadstools``: schemaless (default schema, any field accepted).
- ``/moistures``: strict schema (``preserve_unknown = False``): unknown
  fields are dropped and unknown querystring names refused.
- ``/spores``: ``name`` and ``owner`` are readonly fields.
- ``/psilos``: every field optional, so ``data`` may be omitted.
- ``/mushrooms``: a :class:`ShareableResource` (per-object permissions).
- ``/notes``: a :class:`UserResource` (each user sees their own).
- ``/garden/{garden_id}/plants``: parent placeholder in the path; the parent
  id is the garden.
- ``/readings``: plural endpoint only (``object_path=None``), GET and POST.
- ``/labels``: ids made by :class:`NameGenerator` (any readable name).
- ``/lockers``: a :class:`ShareableResource` whose ``secret`` and ``pin``
  are stored but never answered (``hidden_fields``).
"""

from __future__ import annotations

from typing import Any

import colander
from pyramid.config import Configurator

from strato import resource
from strato.components import Components, get_components
from strato.testing import get_user_headers, make_webtest


class StrictSchema(resource.ResourceSchema):
    name = colander.SchemaNode(colander.String())
    size = colander.SchemaNode(colander.Integer(), missing=colander.drop)
    flag = colander.SchemaNode(colander.Boolean(), missing=colander.drop)
    person = resource.Any(missing=colander.drop)

    class Options:
        preserve_unknown = False


class ReadonlySchema(resource.ResourceSchema):
    name = colander.SchemaNode(colander.String(), validator=colander.Length(max=256))
    owner = colander.SchemaNode(colander.String(), missing="nobody")
    size = colander.SchemaNode(colander.Integer(), missing=colander.drop)

    class Options:
        readonly_fields = ("name", "owner")


class OptionalSchema(resource.ResourceSchema):
    title = colander.SchemaNode(colander.String(), missing="untitled")
    weight = colander.SchemaNode(colander.Integer(), missing=colander.drop)


class NoteSchema(resource.ResourceSchema):
    text = colander.SchemaNode(colander.String(), missing="")


@resource.register()
class Toadstool(resource.Resource):
    """Schemaless: any JSON object is stored as sent."""


@resource.register()
class Moisture(resource.Resource):
    schema = StrictSchema


@resource.register()
class Spore(resource.Resource):
    schema = ReadonlySchema


@resource.register()
class Psilo(resource.Resource):
    schema = OptionalSchema


@resource.register()
class Mushroom(resource.ShareableResource):
    """Objects carry their own ``read``/``write`` ACL."""


@resource.register()
class Note(resource.UserResource):
    schema = NoteSchema


@resource.register(
    name="plant",
    plural_path="/garden/{garden_id}/plants",
    object_path="/garden/{garden_id}/plants/{id}",
)
class Plant(resource.Resource):
    def get_parent_id(self, request: Any) -> str:
        return f"/garden/{request.matchdict['garden_id']}"


@resource.register(object_path=None, plural_methods=("GET", "POST"))
class Reading(resource.Resource):
    pass


@resource.register()
class Label(resource.Resource):
    pass


@resource.register()
class Locker(resource.ShareableResource):
    hidden_fields = ("secret", "pin")


RESOURCE_NAMES = (
    "toadstool",
    "moisture",
    "spore",
    "psilo",
    "mushroom",
    "note",
    "plant",
    "reading",
    "label",
    "locker",
)


def includeme(config: Configurator) -> None:
    config.scan(__name__)


#: Settings every resource test starts from (memory backends are added by make_webtest).
BASE_SETTINGS: dict[str, Any] = {
    "multiauth.policies": "basicauth",
    "label_id_generator": "strato.storage.generators.NameGenerator",
    "mushroom_create_principals": "system.Authenticated",
    "locker_create_principals": "system.Authenticated",
}

#: Basic auth headers of two users.
BOB = get_user_headers("bob")
ALICE = get_user_headers("alice")


def make_app(settings: dict[str, Any] | None = None, **kw: Any) -> Any:
    """The test service under WebTest; relative URLs get the ``/v0`` prefix."""
    return make_webtest(includeme, {**BASE_SETTINGS, **(settings or {})}, version="0.1.0", **kw)


def components(app: Any) -> Components:
    """The backends of a test app."""
    return get_components(app.app.registry)


def storage_state(app: Any) -> dict[str, Any]:
    """Everything stored: objects and tombstones of every resource, and timestamps.

    Comparing it before and after a failed request proves nothing was written.
    """
    storage = components(app).storage
    state: dict[str, Any] = {}
    for name in RESOURCE_NAMES:
        state[name] = storage.list_all(name, "*", include_deleted=True)
        state[f"{name}:timestamps"] = storage.all_resources_timestamps(name)
    return state


def create(app: Any, path: str, data: dict[str, Any], headers: Any = None, **kw: Any) -> Any:
    """POST ``data`` to ``path`` and return the created object."""
    response = app.post_json(path, {"data": data}, headers=headers or BOB, **kw)
    return response.json["data"]
