"""Reading a write request: content negotiation, JSON body and envelope.

:class:`BodyParsing` is one of the parts :class:`~strato.resource.Resource`
is assembled from. Each method either returns what it parsed or aborts the
request with a 400/406/415 JSON error (errno 107), before anything is
written.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, ClassVar

import colander
from pyramid.request import Request

from strato.errors import json_error_handler
from strato.resource.model import PERMISSIONS_FIELD, Model
from strato.resource.schema import ResourceSchema

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["JSON_TYPES", "PATCH_TYPES", "RESPONSE_BEHAVIORS", "BodyParsing", "is_timestamp"]

JSON_TYPES = ("application/json",)
PATCH_TYPES = (
    "application/json",
    "application/merge-patch+json",
    "application/json-patch+json",
)
RESPONSE_BEHAVIORS = ("full", "light", "diff")
#: Client-sent ``last_modified`` values outside this range are ignored: they
#: would not fit the 64-bit timestamp columns of SQL backends.
_MAX_TIMESTAMP = 2**63 - 1
#: Longest principal accepted in a ``permissions`` envelope.
MAX_PRINCIPAL_LENGTH = 256


class BodyParsing:
    """Request checks and body parsing shared by the write views."""

    request: Request
    model: Model
    schema: ClassVar[type[ResourceSchema]]
    permissions: ClassVar[Sequence[str]]
    shareable: ClassVar[bool]

    def _invalid(self, location: str, name: str | None, description: str) -> None:
        raise NotImplementedError  # pragma: no cover - provided by Resource

    def _check_accept(self) -> None:
        accept = self.request.headers.get("Accept")
        if accept and not self.request.accept.acceptable_offers(list(JSON_TYPES)):
            self.request.errors.add(
                "header", "Accept", "Accept header should be one of ['application/json']"
            )
            self.request.errors.status = 406
            raise json_error_handler(self.request)

    def _check_content_type(self, allowed: tuple[str, ...]) -> str:
        content_type = (self.request.content_type or "").lower()
        if not content_type:
            if self.request.body:
                return "application/json"
            return allowed[0]
        if content_type not in allowed:
            self.request.errors.add(
                "header",
                "Content-Type",
                f"Content-Type header should be one of {list(allowed)}",
            )
            self.request.errors.status = 415
            raise json_error_handler(self.request)
        return content_type

    def _json_body(self) -> Any:
        body = self.request.body
        if not body:
            return {}
        try:
            parsed = json.loads(
                body.decode("utf-8"),
                parse_constant=_reject_constant,
                parse_float=_finite_float,
            )
            if _has_nul(parsed):
                # Some backends (PostgreSQL JSONB) cannot store U+0000: refuse
                # it everywhere, so every backend answers the same.
                self._invalid("body", None, "Invalid character 0x00")
            return parsed
        except RecursionError:
            self._invalid("body", None, "Invalid JSON: nested too deeply")
        except (UnicodeDecodeError, ValueError) as exc:
            self._invalid("body", None, f"Invalid JSON: {exc}")

    def _envelope(self, body: Any, require_data: bool) -> tuple[Any, dict[str, list[str]] | None]:
        if not isinstance(body, dict):
            self._invalid("body", None, "Should be a JSON object")
        unknown = sorted(set(body) - {"data", "permissions"})
        if unknown:
            self._invalid("body", unknown[0], f"Unrecognized keys in mapping: {unknown}")
        data = body.get("data", colander.null)
        if data is not colander.null and not isinstance(data, dict):
            self._invalid("body", "data", "data in body: Should be an object")
        permissions = self._validate_permissions(body.get("permissions"))
        if data is colander.null and require_data:
            # ``data`` may be left out only when the schema accepts ``{}``.
            try:
                self.schema().deserialize({})
            except colander.Invalid:
                self._invalid("body", "data", "Required")
            data = {}
        return data, permissions

    def _validate_permissions(self, permissions: Any) -> dict[str, list[str]] | None:
        if permissions is None:
            return None
        if not self.shareable:
            self._invalid("body", "permissions", "This resource has no permissions")
        if not isinstance(permissions, dict):
            self._invalid("body", "permissions", "permissions in body: Should be an object")
        result: dict[str, list[str]] = {}
        for perm, principals in permissions.items():
            if perm not in self.permissions:
                allowed = ", ".join(self.permissions)
                self._invalid("body", f"permissions.{perm}", f'"{perm}" is not one of {allowed}')
            if principals is None:
                result[perm] = None  # type: ignore[assignment]
                continue
            if not isinstance(principals, list):
                self._invalid("body", f"permissions.{perm}", "Should be a list of principals")
            for principal in principals:
                if not isinstance(principal, str) or not principal or len(principal) > 256:
                    self._invalid(
                        "body",
                        f"permissions.{perm}",
                        f"Invalid principal {str(principal)[:64]!r}: "
                        "expected a non-empty string of at most 256 characters",
                    )
            result[perm] = list(dict.fromkeys(principals))
        return result

    def _validate_data(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            validated = self.schema().deserialize(data)
        except colander.Invalid as exc:
            for name, description in sorted(exc.asdict().items()):
                self.request.errors.add("body", f"data.{name}", description)
            raise json_error_handler(self.request) from None
        if validated is colander.null:  # pragma: no cover - mappings never are
            validated = {}
        validated.pop(self.model.modified_field, None)
        if self.model.id_field in data:
            validated[self.model.id_field] = data[self.model.id_field]
        timestamp = data.get(self.model.modified_field)
        if is_timestamp(timestamp):
            validated[self.model.modified_field] = timestamp
        validated.pop(PERMISSIONS_FIELD, None)
        return dict(validated)

    def _response_behavior(self) -> str:
        behavior = str(self.request.headers.get("Response-Behavior", "full")).strip().lower()
        if behavior not in RESPONSE_BEHAVIORS:
            self._invalid(
                "header",
                "Response-Behavior",
                f"Response-Behavior should be one of {list(RESPONSE_BEHAVIORS)}",
            )
        return behavior


def _has_nul(value: Any) -> bool:
    """Does any key or string in ``value`` hold U+0000?"""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; storing them would fail later, in a backend.
    raise ValueError(f"{name} is not a valid JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:32]} is too large")
    return value


def is_timestamp(value: Any) -> bool:
    """Is ``value`` a ``last_modified`` a client may send (an int in the 64-bit range)?"""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_TIMESTAMP
