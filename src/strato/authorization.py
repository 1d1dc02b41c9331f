"""Authorization: principals of a request and whether they hold a permission.

:class:`SecurityPolicy` is the Pyramid security policy strato installs. It
asks the configured authentication policies who is calling, asks the
groupfinder for extra principals (groups kept in the permission backend),
and delegates permission checks to an :class:`AuthorizationPolicy`, which
in turn asks the route's context (:class:`RouteFactory` on resource routes).

Permissions are granted on object URIs (paths without the ``/vN`` prefix)
by access control entries in the permission backend, or to every object of
a resource by the ``<resource>_<permission>_principals`` settings. Which
``(uri, permission)`` pairs grant a permission is decided by the bound
permissions hook (see :func:`set_bound_permissions`); by default a
permission is granted by itself, and ``read`` also by ``write``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.config import Configurator
from pyramid.interfaces import ISecurityPolicy
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from pyramid.settings import aslist
from zope.interface import Interface, implementer

from strato.components import get_components
from strato.monitoring import logging as strato_logging
from strato.storage import errors as storage_errors

__all__ = [
    "DYNAMIC",
    "PRIVATE",
    "AuthorizationPolicy",
    "BoundPermissions",
    "Identity",
    "RouteFactory",
    "SecurityPolicy",
    "default_bound_permissions",
    "get_bound_permissions",
    "groupfinder",
    "set_bound_permissions",
]

#: View permission meaning "ask the route's context" (resource views use it).
DYNAMIC = "dynamic"
#: View permission granted to every authenticated caller.
PRIVATE = "private"

#: ``hook(object_id, permission) -> [(object_id, permission), ...]``
BoundPermissions = Callable[[str, str], Iterable[tuple[str, str]]]

logger = strato_logging.get_logger("strato.authorization")

_METHOD_PERMISSIONS = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "create"}


class _IBoundPermissions(Interface):
    """Marker interface of the bound permissions hook utility."""


# Principals and identity ---------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who is calling: the policy's user id and the policy that found it."""

    userid: str
    authn_type: str

    @property
    def prefixed_userid(self) -> str:
        return f"{self.authn_type}:{self.userid}"


def groupfinder(userid: str, request: Request) -> list[str]:
    """Extra principals of ``userid`` (a prefixed user id) from the permission backend.

    The default of the ``multiauth.groupfinder`` setting. A replacement
    takes the same arguments and returns an iterable of principals. The
    backend is asked once per user per request, and once per batch since
    subrequests share ``request.bound_data``.
    """
    backend = get_components(request).permission
    if backend is None:
        return []
    bound_data = getattr(request, "bound_data", None)
    cache = bound_data.setdefault("user_principals", {}) if bound_data is not None else {}
    if userid not in cache:
        cache[userid] = sorted(backend.get_user_principals(userid))
    return list(cache[userid])


@implementer(ISecurityPolicy)
class SecurityPolicy:
    """Pyramid security policy combining authentication and authorization.

    ``policies`` are ``(name, policy)`` pairs in priority order;
    ``finder(prefixed_userid, request)`` returns extra principals;
    ``authorization`` is an :class:`AuthorizationPolicy`.
    """

    def __init__(
        self,
        policies: Sequence[tuple[str, Any]],
        finder: Callable[[str, Request], Iterable[str] | None],
        authorization: Any,
    ) -> None:
        self.policies = list(policies)
        self.groupfinder = finder
        self.authorization = authorization

    def identity(self, request: Request) -> Identity | None:
        """The first policy's answer, computed once per request."""
        cached = request.__dict__.get("_strato_identity", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        identity = None
        for name, policy in self.policies:
            userid = policy.authenticated_userid(request)
            if userid:
                authn_type = getattr(policy, "name", None) or name.lower()
                identity = Identity(userid=str(userid), authn_type=str(authn_type))
                strato_logging.log_context(request, authn_type=identity.authn_type)
                break
        request.__dict__["_strato_identity"] = identity
        return identity

    def authenticated_userid(self, request: Request) -> str | None:
        identity = self.identity(request)
        return identity.prefixed_userid if identity else None

    def principals(self, request: Request) -> list[str]:
        """``[prefixed userid, system.Authenticated, system.Everyone, *groups]``.

        Anonymous callers have exactly ``["system.Everyone"]``.
        """
        identity = self.identity(request)
        if identity is None:
            return [Everyone]
        prefixed = identity.prefixed_userid
        principals = [prefixed, Authenticated, Everyone]
        for group in self.groupfinder(prefixed, request) or ():
            if group not in principals:
                principals.append(group)
        return principals

    def permits(self, request: Request, context: Any, permission: str) -> Allowed | Denied:
        principals = self.principals(request)
        if self.authorization.permits(context, principals, permission):
            return Allowed("Allowed")
        return Denied("Denied")

    def remember(self, request: Request, userid: str, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        """The challenge headers of every policy that has some (``WWW-Authenticate``)."""
        headers: list[tuple[str, str]] = []
        for _, policy in self.policies:
            forget = getattr(policy, "forget", None)
            if forget is not None:
                for header in forget(request) or ():
                    # Two policies issuing the same challenge send it once.
                    if tuple(header) not in headers:
                        headers.append(tuple(header))
        return headers


_UNSET = object()


# Bound permissions ----------------------------------------------------------


def default_bound_permissions(object_id: str, permission: str) -> list[tuple[str, str]]:
    """``permission`` on ``object_id`` itself; ``read`` is also granted by ``write``."""
    bound = [(object_id, permission)]
    if permission == "read":
        bound.append((object_id, "write"))
    return bound


def set_bound_permissions(config: Configurator, hook: BoundPermissions | str) -> None:
    """Directive ``config.set_bound_permissions(hook)``: install the inheritance hook.

    For service authors whose objects inherit permissions from their
    parents. ``hook(object_id, permission)`` returns every ``(object_id,
    permission)`` pair whose holders are granted ``permission`` on
    ``object_id`` (include the pair itself, and ``(object_id, "write")``
    for ``read`` if writers should read). It is asked about object URIs,
    plural URIs (list and plural delete), parent URIs with
    ``<resource>:create`` (creation) and list patterns ``<plural URI>/*``
    (objects shared with the caller); for patterns, returned ids may hold
    ``*`` too. Installing two hooks fails at start-up.
    """
    resolved = config.maybe_dotted(hook)

    def register() -> None:
        config.registry.registerUtility(resolved, _IBoundPermissions)

    config.action("strato:bound_permissions", register)


def get_bound_permissions(
    registry: Registry, object_id: str, permission: str
) -> list[tuple[str, str]]:
    """The pairs granting ``permission`` on ``object_id`` in this application.

    The hook installed with :func:`set_bound_permissions` wins; else the
    authorization policy's ``get_bound_permissions``; else the default.
    """
    hook = registry.queryUtility(_IBoundPermissions)
    if hook is None:
        policy = registry.queryUtility(ISecurityPolicy)
        hook = getattr(getattr(policy, "authorization", None), "get_bound_permissions", None)
    if hook is None:
        return default_bound_permissions(object_id, permission)
    return [(str(obj), str(perm)) for obj, perm in hook(object_id, permission)]


class AuthorizationPolicy:
    """Decides whether principals hold a permission on a context.

    Service authors may subclass it (setting ``multiauth.authorization_policy``)
    to override :meth:`get_bound_permissions`, the inheritance hook.

    Views with ``NO_PERMISSION_REQUIRED`` never get here. ``"private"``
    means "any authenticated caller". Contexts that check themselves
    (``context.check_permission(principals, permission)``, as
    :class:`RouteFactory` does) are asked; contexts with an ``__acl__`` are
    judged by Pyramid's ACL rules; anything else is denied.
    """

    def get_bound_permissions(self, object_id: str, permission: str) -> list[tuple[str, str]]:
        """Pairs granting ``permission`` on ``object_id`` (see :func:`set_bound_permissions`)."""
        return default_bound_permissions(object_id, permission)

    def permits(self, context: Any, principals: Sequence[str], permission: str) -> bool:
        if permission == PRIVATE:
            return Authenticated in principals
        checker = getattr(context, "check_permission", None)
        if checker is not None:
            return bool(checker(principals, permission))
        if getattr(context, "__acl__", None) is not None:
            return bool(ACLHelper().permits(context, principals, permission))
        return False


# Route factory ---------------------------------------------------------------


def _strip_version(path: str) -> str:
    parts = path.split("/", 2)
    if len(parts) >= 2 and parts[1][:1] == "v" and parts[1][1:].isdigit():
        return "/" + (parts[2] if len(parts) > 2 else "")
    return path


def _setting_name(resource_name: str, permission: str) -> str:
    # ``doc:create`` reads ``doc_create_principals``; ``write`` on the
    # ``doc`` resource reads ``doc_write_principals``.
    if ":" in permission:
        return permission.replace(":", "_") + "_principals"
    return f"{resource_name}_{permission}_principals"


def _settings_principals(settings: Any, resource_name: str, permission: str) -> set[str] | None:
    """Principals of ``<resource>_<perm>_principals`` (None when unset)."""
    if not resource_name and ":" not in permission:
        return None
    value = settings.get(_setting_name(resource_name, permission))
    if value is None:
        return None
    if isinstance(value, str):
        value = aslist(value.replace(",", " "))
    return {str(v) for v in value}


class RouteFactory:
    """The context of a resource request: what is asked, on what, by whom.

    Built by Pyramid for every request on a resource route. It finds the
    object URI (:attr:`permission_object_id`), the permission the action
    needs (:attr:`required_permission`: ``read``, ``write`` or ``create``,
    which means ``<resource>:create`` on the parent URI), the target object
    (:attr:`current_object`, fetched once) and, for lists the caller may
    not read as a whole, the ids of the objects shared with it
    (:attr:`shared_ids`, applied by the resource as an ``id IN`` filter).

    Shareable resources use the permission backend; other resources are
    open to every caller their ``get_parent_id`` accepts unless the
    ``<resource>_<perm>_principals`` settings restrict them.
    """

    def __init__(self, request: Request) -> None:
        self.request = request
        service = getattr(request, "current_service", None)
        self.resource_cls: Any = getattr(service, "resource", None)
        self.resource_name: str = getattr(self.resource_cls, "name", "") or ""
        self.on_plural_endpoint = getattr(service, "type", None) == "plural"
        self.current_object: dict[str, Any] | None = None
        self.shared_ids: list[str] | None = None
        self._method_permission = _METHOD_PERMISSIONS.get(request.method.upper(), "write")
        self.required_permission = self._method_permission
        try:
            self._path_uri = _strip_version(request.path)
        except UnicodeDecodeError:
            self._path_uri = ""
        self.permission_object_id = self._path_uri
        self._resource: Any = None

    @property
    def is_anonymous(self) -> bool:
        return self.request.prefixed_userid is None

    def get_prefixed_principals(self) -> list[str]:
        return list(self.request.prefixed_principals)

    @property
    def resource(self) -> Any:
        """The resource instance serving this request (created on first use)."""
        if self._resource is None and self.resource_cls is not None:
            self._resource = self.resource_cls(self.request, context=self)
        return self._resource

    def check_permission(self, principals: Sequence[str], permission: str = DYNAMIC) -> bool:
        """Is the request allowed? May set :attr:`shared_ids` for partial lists.

        ``permission`` (the view's) is not used: resource views declare
        ``dynamic`` and the permission follows from the request. Safe to
        call more than once: each call starts from the request alone.
        """
        self.required_permission = self._method_permission
        self.permission_object_id = self._path_uri
        self.shared_ids = None
        if self.resource_cls is None:
            allowed = self._granted(
                principals, self.permission_object_id, self.required_permission
            )
        elif getattr(self.resource_cls, "shareable", False):
            allowed = self._check_shareable(principals)
        else:
            allowed = self._check_by_settings(principals)
        if not allowed:
            logger.info(
                "permission.denied",
                uid=principals[0] if principals else None,
                uri=self.permission_object_id,
                perm=self.required_permission,
            )
        return allowed

    # Decisions -----------------------------------------------------------

    def _check_by_settings(self, principals: Sequence[str]) -> bool:
        # Instantiating the resource runs get_parent_id, which refuses
        # callers a user-scoped resource cannot serve.
        _ = self.resource
        perm = self.required_permission
        if perm == "create":
            perm = f"{self.resource_name}:create"
        settings = self.request.registry.settings
        granted = _settings_principals(settings, self.resource_name, perm)
        if granted is None:
            # Nothing restricts this permission: the resource is open.
            return True
        if perm == "read":
            granted |= _settings_principals(settings, self.resource_name, "write") or set()
        return bool(granted.intersection(principals))

    def _granted(self, principals: Sequence[str], object_id: str, permission: str) -> bool:
        """Settings first, then the permission backend, through the bound permissions."""
        bound = get_bound_permissions(self.request.registry, object_id, permission)
        settings = self.request.registry.settings
        for perm in dict.fromkeys([permission, *(p for _, p in bound)]):
            granted = _settings_principals(settings, self.resource_name, perm)
            if granted and granted.intersection(principals):
                return True
        backend = get_components(self.request).permission
        if backend is None or not bound:
            return False
        return bool(backend.check_permission(principals, bound))

    def _shared_ids(
        self, principals: Sequence[str], plural_uri: str, permission: str
    ) -> list[str]:
        """Ids of the objects of this list on which the caller holds ``permission``."""
        backend = get_components(self.request).permission
        # A literal "*" in the list URI (a parent id) would widen the pattern.
        if backend is None or "*" in plural_uri:
            return []
        pattern = f"{plural_uri}/*"
        bound = get_bound_permissions(self.request.registry, pattern, permission)
        accessible = backend.get_accessible_objects(principals, bound, with_children=False)
        prefix = f"{plural_uri}/"
        ids = {uri[len(prefix) :] for uri in accessible if uri.startswith(prefix)}
        return sorted(i for i in ids if i and "/" not in i)

    def _check_shareable(self, principals: Sequence[str]) -> bool:
        resource = self.resource
        plural_uri = resource.plural_uri()
        parent_uri = plural_uri.rsplit("/", 1)[0]
        create_perm = f"{self.resource_name}:create"
        perm = self.required_permission

        if self.on_plural_endpoint:
            if perm == "create":
                existing_id = self._posted_existing_id(resource)
                if existing_id is not None:
                    # POST of an existing id answers that object: a read.
                    self.permission_object_id = resource.object_uri(existing_id)
                    self.required_permission = "read"
                    return self._granted(principals, self.permission_object_id, "read")
                self.permission_object_id = parent_uri
                return self._granted(principals, parent_uri, create_perm)
            self.permission_object_id = plural_uri
            if self._granted(principals, plural_uri, perm):
                return True
            shared = self._shared_ids(principals, plural_uri, perm)
            if shared or self._granted(principals, parent_uri, create_perm):
                self.shared_ids = shared
                return True
            return False

        object_id = (self.request.matchdict or {}).get("id")
        if not isinstance(object_id, str):
            return False
        self.permission_object_id = resource.object_uri(object_id)
        self.current_object = self._get_object(resource, object_id)
        method = self.request.method.upper()
        if_none_match = self.request.headers.get("If-None-Match", "").strip()
        if method == "PUT" and (self.current_object is None or if_none_match == "*"):
            self.required_permission = "create"
            self.permission_object_id = parent_uri
            return self._granted(principals, parent_uri, create_perm)
        if self.current_object is None:
            # Whoever may see what the list holds learns "404"; others get
            # 401/403 and cannot probe which ids exist.
            return self._granted(principals, parent_uri, create_perm) or self._granted(
                principals, plural_uri, "read"
            )
        return self._granted(principals, self.permission_object_id, perm)

    # Helpers -------------------------------------------------------------

    @staticmethod
    def _get_object(resource: Any, object_id: str) -> dict[str, Any] | None:
        try:
            return resource.model.get_object(object_id)  # type: ignore[no-any-return]
        except storage_errors.ObjectNotFoundError:
            return None

    def _posted_existing_id(self, resource: Any) -> str | None:
        """The ``data.id`` of a POST body when that object exists."""
        try:
            body = self.request.json_body
        except (ValueError, LookupError, RecursionError):
            return None
        data = body.get("data") if isinstance(body, dict) else None
        object_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(object_id, str) or not resource.id_generator.match(object_id):
            return None
        self.current_object = self._get_object(resource, object_id)
        return object_id if self.current_object is not None else None
