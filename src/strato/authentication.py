"""Authentication: which policies identify a request, and how.

Policies are named in ``multiauth.policies`` (order is priority: the first
one that identifies the request wins). Each name maps to a class with
``multiauth.policy.<name>.use = dotted.Class`` (``basicauth`` defaults to
:class:`BasicAuthPolicy`); other ``multiauth.policy.<name>.<key>`` settings
are passed to the constructor as keyword arguments.

A policy is any object with ``authenticated_userid(request) -> str | None``
(every Pyramid security policy has one) and optionally ``forget(request)``
returning challenge headers. The winning policy's name prefixes the user
id: ``basicauth:<hmac>``. Without any policy the service is anonymous-only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, Protocol

from pyramid.config import Configurator
from pyramid.request import Request

from strato.components import get_components
from strato.errors import ConfigurationError

__all__ = [
    "AuthenticationPolicy",
    "BasicAuthPolicy",
    "hmac_digest",
    "setup",
]

#: Longest Authorization header we try to decode (longer ones are anonymous).
MAX_AUTHORIZATION_LENGTH = 8192


class AuthenticationPolicy(Protocol):
    """What strato needs from an authentication policy."""

    def authenticated_userid(self, request: Request) -> str | None: ...


def hmac_digest(secret: str | bytes, message: str | bytes) -> str:
    """Hex HMAC-SHA256 of ``message`` keyed by ``secret``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    msg = message.encode("utf-8") if isinstance(message, str) else message
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header or len(header) > MAX_AUTHORIZATION_LENGTH:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
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
    user. Malformed headers are anonymous (a 401 where auth is required).
    """

    name = "basicauth"

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
    """Instantiate the policies named in ``multiauth.policies``, in order."""
    settings = config.get_settings()
    policies: list[tuple[str, Any]] = []
    names: Sequence[str] = settings.get("multiauth.policies") or []
    if isinstance(names, str):
        names = names.split()
    for name in names:
        dotted = settings.get(f"multiauth.policy.{name}.use")
        if not dotted:
            if name == "basicauth":
                dotted = "strato.authentication.BasicAuthPolicy"
            else:
                raise ConfigurationError(
                    f"Setting 'multiauth.policy.{name}.use': no policy class for {name!r}"
                )
        factory = config.maybe_dotted(dotted)
        policy = factory(**_policy_kwargs(settings, name))
        if not callable(getattr(policy, "authenticated_userid", None)):
            raise ConfigurationError(
                f"Setting 'multiauth.policy.{name}.use': {dotted!r} has no authenticated_userid()"
            )
        policies.append((name, policy))
    return policies


def setup(config: Configurator) -> None:
    """Install strato's security policy built from ``multiauth.*`` settings."""
    from strato.authorization import SecurityPolicy

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
    components = get_components(config.registry)
    components.authentication_policies = [name for name, _ in policies]
    for name, policy in policies:
        if isinstance(policy, BasicAuthPolicy):
            config.add_api_capability(
                name,
                description="HTTP Basic authentication; user ids derive from the credentials.",
                url="https://example.invalid/strato/docs/authentication.html",
            )
