"""``If-Match`` / ``If-None-Match`` parsing.

Header values are ``"<digits>"`` or ``*``; anything else is a 400. The
comparison against the current timestamp is done by the resource, and for
writes by the storage backend itself (atomically with the write).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ANY", "PreconditionError", "Preconditions", "parse_preconditions"]

#: Parsed value of ``*``.
ANY = "*"


class PreconditionError(ValueError):
    """A precondition header is malformed; ``name`` is the header."""

    def __init__(self, name: str) -> None:
        super().__init__("The value should be integer between double quotes.")
        self.name = name


@dataclass(frozen=True)
class Preconditions:
    """``if_match`` / ``if_none_match``: None, :data:`ANY` or a timestamp."""

    if_match: int | str | None = None
    if_none_match: int | str | None = None


def _parse(name: str, raw: str | None) -> int | str | None:
    if raw is None:
        return None
    value = raw.strip()
    if value == ANY:
        return ANY
    if len(value) >= 3 and value[0] == value[-1] == '"' and value[1:-1].isdigit():
        digits = value[1:-1]
        if len(digits) <= 19:
            return int(digits)
    raise PreconditionError(name)


def parse_preconditions(if_match: str | None, if_none_match: str | None) -> Preconditions:
    """Parse both headers or raise :class:`PreconditionError`."""
    return Preconditions(
        if_match=_parse("If-Match", if_match), if_none_match=_parse("If-None-Match", if_none_match)
    )
