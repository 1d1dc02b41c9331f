"""Authorization: principals of a request and whether they hold a permission.

:class:`SecurityPolicy` is the Pyramid security policy strato installs. It
asks the configured authentication policies who is calling, asks the
groupfinder for extra principals (groups kept in the permission backend),
and delegates permission checks to an :class:`AuthorizationPolicy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyramid.authorization import Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy as _ISecurityPolicy
from pyramid.request import Request
from pyramid.security import Allowed, Denied

from strato.components import get_components

__all__ = ["DYNAMIC", "AuthorizationPolicy", "RouteFactory", "SecurityPolicy", "groupfinder"]

#: View permission meaning "ask the route's context" (resource views use it).
DYNAMIC = "dynamic"

_IDENTITY_KEY = "_strato_identity"


def groupfinder(userid: str, request: Request) -> list[str]:
    """Extra principals of ``userid`` from the permission backend.

    Looked up once per user per request (and per batch, through
    ``bound_data``).
    """
    backend = get_components(request).permission
    if backend is None:
        return []
    cache = request.bound_data.setdefault("user_principals", {})
    if userid not in cache:
        cache[userid] = sorted(backend.get_user_principals(userid))
    return list(cache[userid])


class AuthorizationPolicy:
    """Decides whether principals hold a permission on a context.

    Views without a permission, or with ``NO_PERMISSION_REQUIRED``, never
    reach it. ``"private"`` means "any authenticated user". Contexts that
    know how to check themselves (``context.check_permission``) are asked.
    """

    def permits(self, context: Any, principals: Sequence[str], permission: str) -> bool:
        if permission == "private":
            return Authenticated in principals
        checker = getattr(context, "check_permission", None)
        if checker is not None:
            return bool(checker(principals, permission))
        return True


class SecurityPolicy:
    """Pyramid security policy combining authentication and authorization."""

    def __init__(
        self, policies: Sequence[tuple[str, Any]], finder: Any, authorization: Any
    ) -> None:
        self.policies = list(policies)
        self.groupfinder = finder
        self.authorization = authorization

    def identity(self, request: Request) -> dict[str, Any] | None:
        cached = request.environ.get(_IDENTITY_KEY, _UNSET)
        if cached is not _UNSET and cached is not None and cached.get("request") is request:
            return cached["identity"]  # type: ignore[no-any-return]
        identity = None
        for name, policy in self.policies:
            userid = policy.authenticated_userid(request)
            if userid:
                authn_type = getattr(policy, "name", None) or name.lower()
                identity = {
                    "userid": str(userid),
                    "authn_type": authn_type,
                    "prefixed_userid": f"{authn_type}:{userid}",
                }
                break
        request.environ[_IDENTITY_KEY] = {"request": request, "identity": identity}
        return identity

    def authenticated_userid(self, request: Request) -> str | None:
        identity = self.identity(request)
        return identity["prefixed_userid"] if identity else None

    def principals(self, request: Request) -> list[str]:
        identity = self.identity(request)
        if identity is None:
            return [Everyone]
        prefixed = identity["prefixed_userid"]
        principals = [prefixed, Authenticated, Everyone]
        for group in self.groupfinder(prefixed, request) or []:
            if group not in principals:
                principals.append(group)
        return principals

    def permits(self, request: Request, context: Any, permission: str) -> Any:
        principals = self.principals(request)
        if self.authorization.permits(context, principals, permission):
            return Allowed("Allowed")
        return Denied("Denied")

    def remember(self, request: Request, userid: str, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        for _, policy in self.policies:
            forget = getattr(policy, "forget", None)
            if forget is not None:
                try:
                    headers.extend(forget(request))
                except TypeError:
                    headers.extend(forget(request, **kw))
        return headers


_UNSET = object()


def _strip_version(path: str) -> str:
    parts = path.split("/", 2)
    if len(parts) >= 2 and parts[1][:1] == "v" and parts[1][1:].isdigit():
        return "/" + (parts[2] if len(parts) > 2 else "")
    return path


def _settings_principals(settings: Any, resource_name: str, permission: str) -> set[str] | None:
    """Principals granted ``permission`` by ``<resource>_<perm>_principals`` (None if unset)."""
    perm = permission.split(":", 1)
    key = (
        f"{perm[0]}_{perm[1]}_principals"
        if len(perm) == 2
        else (f"{resource_name}_{permission}_principals")
    )
    value = settings.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return set(value)


class RouteFactory:
    """The context of a resource request: what is asked, on what, by whom.

    Built by Pyramid for every request on a resource route. It determines
    the object URI, the permission the action needs (``read``, ``write``,
    ``create``), the current object (fetched once), and — for lists the
    caller cannot read as a whole — the ids of the objects shared with it.
    """

    def __init__(self, request: Request) -> None:
        self.request = request
        service = getattr(request, "current_service", None)
        self.resource_cls = getattr(service, "resource", None)
        self.resource_name: str = getattr(self.resource_cls, "name", "") or ""
        self.on_plural_endpoint = getattr(service, "type", None) == "plural"
        self.current_object: dict[str, Any] | None = None
        self.shared_ids: list[str] | None = None
        self.required_permission = self._required_permission(request)
        self.permission_object_id = _strip_version(request.path)
        self._resource: Any = None

    @property
    def is_anonymous(self) -> bool:
        return self.request.prefixed_userid is None

    def get_prefixed_principals(self) -> list[str]:
        return list(self.request.prefixed_principals)

    def _required_permission(self, request: Request) -> str:
        method = request.method.upper()
        if method in ("GET", "HEAD", "OPTIONS"):
            return "read"
        if method == "POST":
            return "create"
        return "write"

    def _resource_instance(self) -> Any:
        if self._resource is None and self.resource_cls is not None:
            self._resource = self.resource_cls(self.request, context=self)
        return self._resource

    def _fetch_current_object(self) -> None:
        resource = self._resource_instance()
        object_id = (self.request.matchdict or {}).get("id")
        if resource is None or object_id is None:
            return
        try:
            self.current_object = resource.model.get_object(object_id)
        except Exception:
            self.current_object = None

    def check_permission(self, principals: Sequence[str], permission: str) -> bool:
        """Is the request allowed? Sets ``shared_ids`` for partial list access."""
        if self.resource_cls is None:
            return True
        if not getattr(self.resource_cls, "shareable", False):
            return self._check_unshared(principals)
        return self._check_shareable(principals)

    def _check_unshared(self, principals: Sequence[str]) -> bool:
        # Plain resources are governed by settings only; user resources are
        # scoped by parent id (anonymous callers were refused already).
        self._resource_instance()
        settings = self.request.registry.settings
        perm = self.required_permission
        granted = _settings_principals(settings, self.resource_name, perm)
        if granted is None:
            return True
        if perm == "read":
            write = _settings_principals(settings, self.resource_name, "write") or set()
            granted |= write
        return bool(granted & set(principals))

    def _bound(self, object_id: str, permission: str) -> list[tuple[str, str]]:
        policy = self.request.registry.queryUtility(_ISecurityPolicy)
        hook = getattr(getattr(policy, "authorization", None), "get_bound_permissions", None)
        if hook is not None:
            return list(hook(object_id, permission))
        bound = [(object_id, permission)]
        if permission == "read":
            bound.append((object_id, "write"))
        return bound

    def _granted(self, principals: Sequence[str], object_id: str, permission: str) -> bool:
        settings = self.request.registry.settings
        by_settings = _settings_principals(settings, self.resource_name, permission)
        if by_settings and by_settings & set(principals):
            return True
        if permission == "read":
            by_write = _settings_principals(settings, self.resource_name, "write")
            if by_write and by_write & set(principals):
                return True
        backend = get_components(self.request).permission
        if backend is None:
            return False
        return backend.check_permission(principals, self._bound(object_id, permission))

    def _parent_uri(self) -> str:
        resource = self._resource_instance()
        plural = resource.plural_uri()
        parent = plural.rsplit("/", 1)[0]
        return parent or ""

    def _check_shareable(self, principals: Sequence[str]) -> bool:
        perm = self.required_permission
        resource = self._resource_instance()
        create_perm = f"{self.resource_name}:create"
        parent_uri = self._parent_uri()
        can_create = self._granted(principals, parent_uri, create_perm)

        if self.on_plural_endpoint:
            if perm == "create":
                body_id = self._posted_id()
                if body_id is not None:
                    try:
                        self.current_object = resource.model.get_object(body_id)
                    except Exception:
                        self.current_object = None
                    if self.current_object is not None:
                        uri = resource.object_uri(body_id)
                        self.permission_object_id = uri
                        self.required_permission = "read"
                        return self._granted(principals, uri, "read")
                return can_create
            plural_uri = resource.plural_uri()
            if self._granted(principals, plural_uri, perm):
                return True
            backend = get_components(self.request).permission
            shared: list[str] = []
            if backend is not None:
                pattern = f"{plural_uri}/*"
                perms = [(pattern, perm)]
                if perm == "read":
                    perms.append((pattern, "write"))
                accessible = backend.get_accessible_objects(principals, perms, with_children=False)
                shared = sorted(uri.rsplit("/", 1)[-1] for uri in accessible)
            if shared or can_create:
                self.shared_ids = shared
                return True
            return False

        self._fetch_current_object()
        object_uri = self.permission_object_id
        if self.current_object is None:
            if self.request.method.upper() == "PUT":
                self.required_permission = "create"
                return can_create
            # A missing object: let the view answer 404 to whoever may know
            # what the collection holds, refuse the others.
            plural_uri = resource.plural_uri()
            return can_create or self._granted(principals, plural_uri, "read")
        if (
            self.request.method.upper() == "PUT"
            and self.request.headers.get("If-None-Match", "").strip() == "*"
        ):
            self.required_permission = "create"
            return can_create
        return self._granted(principals, object_uri, perm)

    def _posted_id(self) -> str | None:
        try:
            body = self.request.json_body
        except Exception:
            return None
        data = body.get("data") if isinstance(body, dict) else None
        object_id = data.get("id") if isinstance(data, dict) else None
        return object_id if isinstance(object_id, str) else None
