"""Basic authentication against the stored accounts.

Configured as ``multiauth.policy.account.use =
storage_service.accounts.AccountsPolicy``; identifies callers as
``account:<id>``. Checking a bcrypt hash is slow on purpose, so a
successful check is remembered in the cache for
``account_cache_ttl_seconds`` (30). The cache key is an HMAC of the user
id, the password *and* the stored hash: a wrong password never matches an
entry, and changing the password (or deleting the account) makes every
older entry unreachable at once. The account itself is still read on each
request, a cheap primary-key lookup.
"""

from __future__ import annotations

import base64
import binascii

from pyramid.request import Request

from storage_service.accounts.passwords import check_password
from storage_service.accounts.resource import ACCOUNT_PREFIX, AccountIdGenerator
from strato.authentication import MAX_AUTHORIZATION_LENGTH, hmac_digest
from strato.components import get_components
from strato.settings import as_int
from strato.storage import ObjectNotFoundError

__all__ = ["AccountsPolicy"]

_ID_GENERATOR = AccountIdGenerator()
_VERIFIED = "storage_service.verified_accounts"


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header or len(header) > MAX_AUTHORIZATION_LENGTH:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep or not username:
        return None
    return username, password


class AccountsPolicy:
    """Identify ``username:password`` Basic credentials of an existing account."""

    name = ACCOUNT_PREFIX

    def __init__(self, realm: str = "Realm") -> None:
        self.realm = realm

    def authenticated_userid(self, request: Request) -> str | None:
        credentials = _credentials(request)
        if credentials is None:
            return None
        username, password = credentials
        if not _ID_GENERATOR.match(username):
            return None
        settings = request.registry.settings
        secret = str(settings.get("userid_hmac_secret") or "")
        # A batch asks once for all its subrequests.
        verified = request.bound_data.setdefault(_VERIFIED, {})
        attempt = hmac_digest(secret, f"{username}\n{password}")
        if attempt in verified:
            return username if verified[attempt] else None
        verified[attempt] = self._verify(request, secret, username, password)
        return username if verified[attempt] else None

    def _verify(self, request: Request, secret: str, username: str, password: str) -> bool:
        components = get_components(request)
        if components.storage is None:
            return False
        try:
            account = components.storage.get("account", username, username)
        except ObjectNotFoundError:
            return False
        hashed = account.get("password")
        if not isinstance(hashed, str):
            return False
        key = "accounts:" + hmac_digest(secret, f"{username}\n{password}\n{hashed}")
        cache = components.cache
        ttl = as_int(request.registry.settings.get("account_cache_ttl_seconds", 30))
        if cache is not None and ttl > 0 and cache.get(key) is not None:
            return True
        if not check_password(password, hashed):
            return False
        if cache is not None and ttl > 0:
            cache.set(key, "verified", ttl)
        return True

    def forget(self, request: Request) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", f'Basic realm="{self.realm}"')]

    def __repr__(self) -> str:
        return f"AccountsPolicy(realm={self.realm!r})"
