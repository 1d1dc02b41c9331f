"""Signed pagination tokens and the keyset rules they stand for.

A token records where a page ended: the values of every sort field of the
last object returned (the sort always ends with ``last_modified`` and
``id``, so the position is unique). The next page is "every object after
that position in the sort order", expressed as filters the backend can run
(keyset pagination): objects inserted meanwhile never shift a page, so
paging never duplicates or skips an object that existed when it started.

Tokens are ``base64url(payload).signature`` where the signature is an
HMAC-SHA256 keyed by the server secret (every process of a deployment
shares it). The payload binds the token to the query that produced it (a
hash of filters, sort and the collection) and carries an expiry. A
forged, truncated, expired or cross-query token raises :class:`TokenError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from strato.storage import COMPARISON, MISSING, Filter, Sort

__all__ = ["TokenError", "TokenSigner", "build_pagination_rules", "position_of"]

_MAX_TOKEN_LENGTH = 16384


class TokenError(ValueError):
    """The ``_token`` parameter cannot be used."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padding = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + padding)


def query_fingerprint(scope: str, filters: Sequence[Filter], sorting: Sequence[Sort]) -> str:
    """A short hash identifying a query (collection, filters, sort)."""
    described = {
        "scope": scope,
        "filters": sorted([f.field, f.operator.value, _jsonable(f.value)] for f in filters),
        "sort": [[s.field, s.direction] for s in sorting],
    }
    encoded = json.dumps(described, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:32]


def _jsonable(value: Any) -> Any:
    if value is MISSING:
        return "__missing__"
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class TokenSigner:
    """Creates and checks pagination tokens with one secret."""

    def __init__(self, secret: str | bytes, validity_seconds: int) -> None:
        self._key = secret.encode("utf-8") if isinstance(secret, str) else secret
        self.validity_seconds = validity_seconds

    def _sign(self, payload: bytes) -> str:
        return _b64encode(hmac.new(self._key, payload, hashlib.sha256).digest())

    def encode(self, position: Mapping[str, Any], fingerprint: str) -> tuple[str, str]:
        """Return ``(token, nonce)`` for the page ending at ``position``."""
        nonce = f"pagination-token-{uuid.uuid4()}"
        payload = {
            "last_object": dict(position),
            "query": fingerprint,
            "expires": int(time.time()) + self.validity_seconds,
            "nonce": nonce,
        }
        raw = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return f"{_b64encode(raw)}.{self._sign(raw)}", nonce

    def decode(self, token: str, fingerprint: str) -> tuple[dict[str, Any], str]:
        """Return ``(position, nonce)`` or raise :class:`TokenError`."""
        if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise TokenError("_token has invalid content")
        body, signature = token.split(".")
        try:
            raw = _b64decode(body)
        except (binascii.Error, ValueError):
            raise TokenError("_token has invalid content") from None
        if not hmac.compare_digest(self._sign(raw), signature):
            raise TokenError("_token has invalid content")
        try:
            payload = json.loads(raw)
        except ValueError:  # pragma: no cover - signed payloads are ours
            raise TokenError("_token has invalid content") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("last_object"), dict):
            raise TokenError("_token has invalid content")
        if payload.get("query") != fingerprint:
            raise TokenError("_token does not match this query (filters or sort changed)")
        if int(payload.get("expires", 0)) < time.time():
            raise TokenError("_token was already used or has expired.")
        return payload["last_object"], str(payload.get("nonce", ""))


def _lookup(obj: Mapping[str, Any], field: str) -> Any:
    # Resolved as the storage backends resolve sort fields: a key that itself
    # contains dots wins, longest first. Any other reading would put the page
    # boundary somewhere else than where the backend sorted it.
    if field in obj:
        return obj[field]
    parts = field.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in obj:
            inner = obj[head]
            if isinstance(inner, Mapping):
                return _lookup(inner, ".".join(parts[cut:]))
            return MISSING
    return MISSING


def position_of(obj: Mapping[str, Any], sorting: Sequence[Sort]) -> dict[str, Any]:
    """The sort values of ``obj`` (missing fields are left out)."""
    position: dict[str, Any] = {}
    for sort in sorting:
        value = _lookup(obj, sort.field)
        if value is not MISSING:
            position[sort.field] = value
    return position


def build_pagination_rules(
    position: Mapping[str, Any], sorting: Sequence[Sort]
) -> list[list[Filter]]:
    """Keyset rules selecting the objects after ``position`` in ``sorting`` order.

    For sort fields s1..sn: (s1..s(n-1) equal AND sn beyond) OR ... OR
    (s1 beyond), where beyond means greater for ascending and lower for
    descending. Absent fields sort after every value, which the rules
    express with :data:`MISSING`.
    """
    rules: list[list[Filter]] = []
    for i in range(len(sorting), 0, -1):
        rule: list[Filter] = []
        for sort in sorting[: i - 1]:
            value = position.get(sort.field, MISSING)
            rule.append(Filter(sort.field, value, COMPARISON.EQ))
        last = sorting[i - 1]
        value = position.get(last.field, MISSING)
        if last.direction > 0:
            if value is MISSING:
                continue  # nothing sorts after a missing value
            rule.append(Filter(last.field, value, COMPARISON.GT))
        else:
            rule.append(Filter(last.field, value, COMPARISON.LT))
        rules.append(rule)
    return rules
