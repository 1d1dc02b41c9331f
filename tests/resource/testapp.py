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
"""

from __future__ import annotations

from typing import Any

import colander
from pyramid.config import Configurator

from strato import resource
from strato.resource.schema import Any as AnyValue
from strato.testing import make_webtest


class StrictSchema(resource.ResourceSchema):
    name = colander.SchemaNode(colander.String())
    size = colander.SchemaNode(colander.Integer(), missing=colander.drop)
    flag = colander.SchemaNode(colander.Boolean(), missing=colander.drop)
    person = AnyValue(missing=colander.drop)

    class Options:
        preserve_unknown = False


class ReadonlySchema(resource.ResourceSchema):
    name = colander.SchemaNode(colander.String())
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


def includeme(config: Configurator) -> None:
    config.scan("tests.resource.testapp")


#: Settings every resource test starts from (memory backends are added by make_webtest).
BASE_SETTINGS: dict[str, Any] = {
    "multiauth.policies": "basicauth",
    "label_id_generator": "strato.storage.generators.NameGenerator",
}


def make_app(settings: dict[str, Any] | None = None, **kw: Any) -> Any:
    """The test service under WebTest; relative URLs get the ``/v0`` prefix."""
    return make_webtest(
        includeme, {**BASE_SETTINGS, **(settings or {})}, version="0.1.0", **kw
    )
