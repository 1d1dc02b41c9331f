"""Authentication: which policies identify a request, and how.

Policies are named in ``multiauth.policies`` (order is priority: the first
one that identifies the request wins). Each name maps to a class with
``multiauth.policy.<name>.use = dotted.Class`` (``basicauth`` defaults to
:class:`BasicAuthPolicy`); other ``multiauth.policy.<name>.<key>`` settings
are passed to the constructor as keyword arguments (as strings).

A policy is any object with ``authenticated_userid(request) -> str | None``
(every Pyramid security policy has one) and optionally ``forget(request)``
returning challenge headers. The winning policy's ``name`` attribute, or
else its configured name, prefixes the user id: ``basicauth:<hmac>``.
Without any policy the service is anonymous-only; the hello view says so
with ``"authentication": {"policies": []}``.

Who this is for: service authors choose policies in settings; plug-in
authors write a policy class (see :class:`AuthenticationPolicy`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from typing import Any, Protocol

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.settings import aslist

from strato.components import get_components
from strato.errors import ConfigurationError

__all__ = [
    "MAX_AUTHORIZATION_LENGTH",
    "AuthenticationPolicy",
    "BasicAuthPolicy",
    "hmac_digest",
    "load_policies",
    "setup",
]

logger = logging.getLogger(__name__)

#: Longest ``Authorization`` header decoded, in characters; a longer one
#: identifies nobody (the request is anonymous).
MAX_AUTHORIZATION_LENGTH = 8192

_BASICAUTH = "basicauth"
_BASICAUTH_CLASS = "strato.authentication.BasicAuthPolicy"


class AuthenticationPolicy(Protocol):
    """What strato needs from an authentication policy (for plug-in authors).

    ``authenticated_userid`` returns the caller's id as the policy knows it
    (strato prefixes it with the policy name), or None when the request
    carries no credentials this policy understands. It must not raise on
    malformed input: answer None and let authorization refuse the request.
    A policy may also define ``forget(request)`` returning the headers of a
    401 answer (``WWW-Authenticate``) and a ``name`` attribute overriding
    the prefix.
    """

    def authenticated_userid(self, request: Request) -> str | None: ...


def hmac_digest(secret: str | bytes, message: str | bytes) -> str:
    """Hex HMAC-SHA256 of ``message`` keyed by ``secret`` (strings as UTF-8)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    msg = message.encode("utf-8") if isinstance(message, str) else message
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """``(user, password)`` of a well-formed Basic header, else None."""
    header = request.headers.get("Authorization", "")
    if not header or len(header) > MAX_AUTHORIZATION_LENGTH:
        return None
    scheme, _, encoded = header.partition(" ")
    encoded = encoded.strip()
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        return None
    return user, password


class BasicAuthPolicy:
    """Any ``user:password`` pair is an identity: user id = HMAC of the pair.

    The id is ``hex(HMAC-SHA256(userid_hmac_secret, "user:password"))``, so
    the server stores no password and the same pair is always the same
    user. Nothing is compared: the id is derived, never checked against a
    stored value, so there is no comparison to time. Malformed headers (bad
    base64, no colon, empty user name, not UTF-8, longer than
    :data:`MAX_AUTHORIZATION_LENGTH`) identify nobody.

    ``secret`` overrides the ``userid_hmac_secret`` setting; ``realm`` is
    announced in ``WWW-Authenticate``.
    """

    name = _BASICAUTH

    def __init__(self, realm: str = "Realm", secret: str | None = None) -> None:
        self.realm = realm
        self.secret = secret

    def authenticated_userid(self, request: Request) -> str | None:
        credentials = _basic_credentials(request)
        if credentials is None:
            return None
        secret = self.secret
        if secret is None:
            secret = str(request.registry.settings.get("userid_hmac_secret") or "")
        user, password = credentials
        return hmac_digest(secret, f"{user}:{password}")

    def forget(self, request: Request) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", f'Basic realm="{self.realm}"')]


def _policy_kwargs(settings: dict[str, Any], name: str) -> dict[str, Any]:
    prefix = f"multiauth.policy.{name}."
    return {
        key[len(prefix) :]: value
        for key, value in settings.items()
        if key.startswith(prefix) and key != f"{prefix}use"
    }


def load_policies(config: Configurator) -> list[tuple[str, Any]]:
    """Instantiate the policies named in ``multiauth.policies``, in order.

    Raises :class:`~strato.errors.ConfigurationError` naming the setting
    when a name has no class, a class refuses its keyword arguments, a
    name is listed twice, or the object has no ``authenticated_userid``.
    """
    settings = config.get_settings()
    raw = settings.get("multiauth.policies") or []
    names = aslist(raw) if isinstance(raw, str) else [str(n) for n in raw]
    policies: list[tuple[str, Any]] = []
    for name in names:
        if any(name == seen for seen, _ in policies):
            raise ConfigurationError(
                f"Setting 'multiauth.policies': {name!r} is listed twice in {names!r}"
            )
        use = f"multiauth.policy.{name}.use"
        dotted = settings.get(use) or (_BASICAUTH_CLASS if name == _BASICAUTH else None)
        if not dotted:
            raise ConfigurationError(
                f"Setting {use!r} is missing: expected the dotted name of the {name!r} policy"
            )
        try:
            factory = config.maybe_dotted(dotted)
        except ImportError as exc:
            raise ConfigurationError(f"Setting {use!r}: cannot import {dotted!r} ({exc})") from exc
        kwargs = _policy_kwargs(settings, name)
        try:
            policy = factory(**kwargs)
        except TypeError as exc:
            given = ", ".join(f"multiauth.policy.{name}.{key}" for key in sorted(kwargs))
            raise ConfigurationError(
                f"Setting {use!r}: {dotted!r} refused the settings [{given}] ({exc})"
            ) from exc
        if not callable(getattr(policy, "authenticated_userid", None)):
            raise ConfigurationError(
                f"Setting {use!r}: {dotted!r} has no authenticated_userid(request) method"
            )
        policies.append((name, policy))
    return policies


def setup(config: Configurator) -> None:
    """Install strato's security policy built from the ``multiauth.*`` settings.

    Also adds the ``config.set_bound_permissions(callable)`` directive (see
    :func:`strato.authorization.set_bound_permissions`) and advertises the
    ``basicauth`` capability when that policy is enabled.
    """
    from strato.authorization import SecurityPolicy, set_bound_permissions

    policies = load_policies(config)
    settings = config.get_settings()
    groupfinder = config.maybe_dotted(
        settings.get("multiauth.groupfinder") or "strato.authorization.groupfinder"
    )
    authorization = config.maybe_dotted(
        settings.get("multiauth.authorization_policy")
        or "strato.authorization.AuthorizationPolicy"
    )()
    config.set_security_policy(SecurityPolicy(policies, groupfinder, authorization))
    config.add_directive("set_bound_permissions", set_bound_permissions)
    components = get_components(config.registry)
    components.authentication_policies = [name for name, _ in policies]
    for name, policy in policies:
        if isinstance(policy, BasicAuthPolicy):
            if not (policy.secret or settings.get("userid_hmac_secret")):
                logger.warning(
                    "userid_hmac_secret is empty: Basic auth user ids are plain "
                    "SHA-256 HMACs with a public key; set a long random secret"
                )
            config.add_api_capability(
                name,
                description="HTTP Basic authentication; user ids derive from the credentials.",
                url="https://datatracker.ietf.org/doc/html/rfc7617",
            )
