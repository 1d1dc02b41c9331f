"""A service exercising every authorization path, for the auth tests.

- ``/articles``: a :class:`ShareableResource` (per-object ``read``/``write``);
  any authenticated caller may create (``article_create_principals``).
- ``/folders`` and ``/folders/{folder_id}/docs``: two shareable levels; the
  bound permissions hook makes a folder's writers write (and create) its
  docs and a folder's readers read them.
- ``/memos``: a :class:`UserResource` (each user sees only their own).
- ``/rules``: a plain resource governed by ``rule_*_principals`` settings
  when a test sets them.
- ``/private-area`` (``private``), ``/admin-area`` (a permission nothing
  grants), ``/acl-area`` (a Pyramid ``__acl__`` context) and ``/reports``
  (a non-resource route using :class:`RouteFactory`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import colander
import webtest
from pyramid.authorization import Allow
from pyramid.config import Configurator
from pyramid.request import Request

from strato import resource
from strato.authentication import hmac_digest
from strato.authorization import DYNAMIC, RouteFactory, default_bound_permissions
from strato.components import get_components
from strato.service import Service
from strato.testing import MEMORY_SETTINGS, get_user_headers, make_webtest

SECRET = MEMORY_SETTINGS["userid_hmac_secret"]


def userid(user: str, password: str = "secret") -> str:
    """The prefixed user id Basic auth gives ``user``."""
    return "basicauth:" + hmac_digest(SECRET, f"{user}:{password}")


def headers(user: str | None) -> dict[str, str]:
    """Basic auth headers of ``user`` (none for ``None``: anonymous)."""
    return get_user_headers(user) if user else {}


class ArticleSchema(resource.ResourceSchema):
    title = colander.SchemaNode(colander.String(), missing="")


@resource.register()
class Article(resource.ShareableResource):
    schema = ArticleSchema


@resource.register()
class Folder(resource.ShareableResource):
    pass


@resource.register(
    name="doc",
    plural_path="/folders/{folder_id}/docs",
    object_path="/folders/{folder_id}/docs/{id}",
)
class Doc(resource.ShareableResource):
    def get_parent_id(self, request: Request) -> str:
        return f"/folders/{request.matchdict['folder_id']}"


@resource.register()
class Memo(resource.UserResource):
    pass


@resource.register()
class Rule(resource.Resource):
    pass


_DOC_URI = re.compile(r"^(/folders/[^/]+)/docs(?:/[^/]+)?$")
_FOLDER_URI = re.compile(r"^/folders/[^/]+$")


def folder_inheritance(object_id: str, permission: str) -> list[tuple[str, str]]:
    """Docs inherit from their folder: writers write, readers read, writers create."""
    bound = default_bound_permissions(object_id, permission)
    match = _DOC_URI.match(object_id)
    if match:
        folder = match.group(1)
        bound.append((folder, "write"))
        if permission == "read":
            bound.append((folder, "read"))
    elif permission == "doc:create" and _FOLDER_URI.match(object_id):
        bound.append((object_id, "write"))
    return bound


private_area = Service(name="private_area", path="/private-area")
admin_area = Service(name="admin_area", path="/admin-area")
reports = Service(name="reports", path="/reports", factory=RouteFactory)


class EditorsOnly:
    __acl__ = [(Allow, "group:editors", "view")]

    def __init__(self, request: Request) -> None:
        self.request = request


acl_area = Service(name="acl_area", path="/acl-area", factory=EditorsOnly)


@private_area.get(permission="private")
def get_private_area(request: Request) -> dict[str, Any]:
    return {"user": request.prefixed_userid}


@admin_area.get(permission="admin")
def get_admin_area(request: Request) -> dict[str, Any]:
    return {"ok": True}


@acl_area.get(permission="view")
def get_acl_area(request: Request) -> dict[str, Any]:
    return {"ok": True}


@reports.get(permission=DYNAMIC)
def get_reports(request: Request) -> dict[str, Any]:
    return {"ok": True}


def includeme(config: Configurator) -> None:
    """The service with its folder inheritance hook."""
    without_inheritance(config)
    config.set_bound_permissions(folder_inheritance)


def without_inheritance(config: Configurator) -> None:
    """The same resources, no bound permissions hook."""
    config.scan(sys.modules[__name__])


#: Settings every auth test starts from (memory backends come from make_webtest).
BASE_SETTINGS: dict[str, Any] = {
    "multiauth.policies": "basicauth",
    "article_create_principals": "system.Authenticated",
    "folder_create_principals": "system.Authenticated",
}


def make_app(
    settings: dict[str, Any] | None = None, inheritance: bool = True, **kw: Any
) -> webtest.TestApp:
    """The test service under WebTest; relative URLs get the ``/v1`` prefix."""
    wiring = includeme if inheritance else without_inheritance
    return make_webtest(wiring, {**BASE_SETTINGS, **(settings or {})}, **kw)


def permission_backend(app: webtest.TestApp) -> Any:
    return get_components(app.app.registry).permission


def storage_backend(app: webtest.TestApp) -> Any:
    return get_components(app.app.registry).storage
