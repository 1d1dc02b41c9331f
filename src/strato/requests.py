"""Helpers added to every request: who is calling, and the log context.

- ``request.prefixed_userid``: ``<authn_type>:<userid>`` or None;
- ``request.authn_type``: name of the policy that identified the caller;
- ``request.prefixed_principals``: the caller's principals, user id first;
- ``request.get_user_info()``: what the hello view shows about the caller;
- ``request.log_context(**fields)``: extra fields for the summary log line;
- ``request.json_body`` / ``request.json``: the body, ValueError if undecodable.
"""

from __future__ import annotations

import json
from typing import Any

from pyramid.authorization import Authenticated, Everyone
from pyramid.config import Configurator
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request

from strato.monitoring import logging as strato_logging

__all__ = [
    "authn_type",
    "get_user_info",
    "json_body",
    "prefixed_principals",
    "prefixed_userid",
    "setup",
]


def prefixed_userid(request: Request) -> str | None:
    """``<authn_type>:<userid>`` of the authenticated caller, or None.

    Under a security policy other than strato's, the policy's
    ``authenticated_userid`` is used as it is.
    """
    userid = request.authenticated_userid
    return None if userid is None else str(userid)


def authn_type(request: Request) -> str | None:
    """Name of the authentication policy that identified the caller, or None."""
    identity = request.identity
    return getattr(identity, "authn_type", None)


def prefixed_principals(request: Request) -> list[str]:
    """The caller's principals, prefixed user id first, then groups.

    Anonymous callers have exactly ``["system.Everyone"]``.
    """
    policy = request.registry.queryUtility(ISecurityPolicy)
    principals = getattr(policy, "principals", None)
    if principals is None:
        userid = request.prefixed_userid
        return [Everyone] if userid is None else [userid, Authenticated, Everyone]
    return list(principals(request))


def get_user_info(request: Request) -> dict[str, Any]:
    """What the hello view shows about the caller (``{}`` when anonymous)."""
    userid = request.prefixed_userid
    if userid is None:
        return {}
    return {"id": userid, "principals": list(request.prefixed_principals)}


def json_body(request: Request) -> Any:
    """The decoded JSON body; anything undecodable raises :class:`ValueError`.

    WebOb lets an unknown ``charset`` (LookupError) or a too deeply nested
    document (RecursionError) escape; validators only turn ValueError into
    a 400, so those would be 500s.
    """
    try:
        return json.loads(request.body.decode(request.charset or "UTF-8"))
    except (LookupError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


def setup(config: Configurator) -> None:
    """Register the request helpers."""
    config.add_request_method(json_body, name="json_body", property=True)
    config.add_request_method(json_body, name="json", property=True)
    config.add_request_method(prefixed_userid, name="prefixed_userid", reify=True)
    config.add_request_method(authn_type, name="authn_type", reify=True)
    config.add_request_method(prefixed_principals, name="prefixed_principals", reify=True)
    config.add_request_method(get_user_info, name="get_user_info")
    config.add_request_method(strato_logging.log_context, name="log_context")
