"""Turning a querystring into filters, sorting and a page size.

Everything here is pure: it takes the querystring (a multidict) and the
resource's rules (known fields, limits) and returns :class:`Filter` and
:class:`Sort` objects, or raises :class:`QueryError` naming the parameter,
which the resource turns into a 400 (errno 107, location ``querystring``).
Filters are handed to the storage backend as data, never as code.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from strato.storage import COMPARISON, Filter, Sort

__all__ = [
    "QueryError",
    "parse_fields",
    "parse_filters",
    "parse_limit",
    "parse_sort",
]

MAX_INT = 2**63
_SORT_ENTRY = re.compile(r"^[+-]?[\w.]+$")
_RESERVED = {"_since", "_before", "_to"}
#: Operators for which an empty value still means something (an empty string).
_EMPTY_ALLOWED = {COMPARISON.EQ, COMPARISON.NOT}
_OPERATORS = sorted((c.value for c in COMPARISON), key=len, reverse=True)
#: Longest accepted field name in the querystring (guards against abuse).
MAX_FIELD_LENGTH = 256
#: Most values accepted in one in_/exclude_/contains_ filter.
MAX_LIST_VALUES = 10000
#: Most fields accepted in ``_sort``: the next-page rules grow with the
#: square of their number.
MAX_SORT_FIELDS = 32


class QueryError(ValueError):
    """A querystring parameter is invalid; ``name`` is the parameter."""

    def __init__(self, name: str | None, description: str) -> None:
        super().__init__(description)
        self.name = name
        self.description = description


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _check_nul(name: str, value: str) -> None:
    if "\x00" in name or "\x00" in value:
        raise QueryError(name.replace("\x00", "\\x00"), "Invalid character 0x00")


def parse_timestamp(name: str, value: Any) -> int:
    """A ``last_modified``-like value: an integer or a quoted integer in a sane range."""
    raw = value
    if isinstance(value, str):
        text = value.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        if not text.isdigit():
            raise QueryError(name, f"Invalid value for {name}")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError(name, f"Invalid value for {name}")
    max_value = int(time.time() * 1000) + 24 * 3600 * 1000
    if value < 0 or value > max_value:
        raise QueryError(name, f"Invalid value for {name}: {raw!r} is out of range")
    return value


@dataclass(frozen=True)
class FieldRules:
    """What the resource accepts as field names in the querystring."""

    is_known_field: Callable[[str], bool]
    id_field: str = "id"
    modified_field: str = "last_modified"
    deleted_field: str = "deleted"


def parse_filters(params: Iterable[tuple[str, str]], rules: FieldRules) -> list[Filter]:
    """Build the filters of a plural request from its querystring pairs.

    Parameters starting with ``_`` are ignored except ``_since``, ``_before``
    and ``_to``; ``[operator_]field=value`` becomes a :class:`Filter`.
    """
    filters: list[Filter] = []
    for param, raw in params:
        _check_nul(param, raw)
        if param.startswith("_") and param not in _RESERVED:
            continue
        if param in _RESERVED:
            if raw.strip() in ("", "null"):
                continue
            value = parse_timestamp(param, raw)
            operator = COMPARISON.GT if param == "_since" else COMPARISON.LT
            filters.append(Filter(rules.modified_field, value, operator))
            continue

        operator = COMPARISON.EQ
        field = param
        for candidate in _OPERATORS:
            prefix = f"{candidate}_"
            if param.startswith(prefix) and len(param) > len(prefix):
                operator = COMPARISON(candidate)
                field = param[len(prefix) :]
                break

        if not field or len(field) > MAX_FIELD_LENGTH:
            raise QueryError(param, f"Invalid filter field '{field[:MAX_FIELD_LENGTH]}'")
        if not rules.is_known_field(field):
            raise QueryError(param, f"Unknown filter field '{field}'")
        if raw == "" and operator not in _EMPTY_ALLOWED:
            # ``name=`` asks for an empty string; ``min_size=`` asks for nothing.
            raise QueryError(param, f"Invalid value for {param}: a value is required")
        filters.append(_build_filter(param, field, operator, raw, rules))
    return filters


def _build_filter(
    param: str, field: str, operator: COMPARISON, raw: str, rules: FieldRules
) -> Filter:
    list_operators = (COMPARISON.IN, COMPARISON.EXCLUDE)
    if operator in list_operators:
        parts = raw.split(",")
        if len(parts) > MAX_LIST_VALUES:
            raise QueryError(param, f"At most {MAX_LIST_VALUES} values are allowed")
        values: list[Any] = [_decode(p) for p in parts]
        if field == rules.modified_field:
            values = [parse_timestamp(param, v) for v in values]
        elif field == rules.id_field:
            values = [_id_value(param, v) for v in values]
        return Filter(field, values, operator)

    if operator in (COMPARISON.CONTAINS, COMPARISON.CONTAINS_ANY):
        if field in (rules.id_field, rules.modified_field):
            raise QueryError(param, f"Field '{field}' is not an array")
        value = _decode(raw)
        if not isinstance(value, list):
            value = [value]
        if len(value) > MAX_LIST_VALUES:
            raise QueryError(param, f"At most {MAX_LIST_VALUES} values are allowed")
        return Filter(field, value, operator)

    if operator is COMPARISON.HAS:
        value = _decode(raw)
        truthy = value not in (False, 0, None, "", "false", "0")
        return Filter(field, truthy, operator)

    value = _decode(raw)
    if operator is COMPARISON.LIKE:
        if not isinstance(value, str):
            raise QueryError(param, f"Invalid value for {param}: a string is expected")
        return Filter(field, value, operator)
    if field == rules.modified_field:
        value = parse_timestamp(param, value)
    elif field == rules.id_field:
        value = _id_value(param, value)
    return Filter(field, value, operator)


def _id_value(param: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QueryError(param, f"Invalid value for {param}")
    return value if isinstance(value, str) else json.dumps(value)


def parse_sort(raw: str | None, rules: FieldRules) -> list[Sort]:
    """``_sort=f1,-f2``: sort entries, ``-last_modified`` added as tie-breaker."""
    sorting: list[Sort] = []
    if raw is not None and not raw.strip():
        raise QueryError("_sort", "Invalid value for _sort: a field name is required")
    if raw:
        _check_nul("_sort", raw)
        for entry in raw.split(","):
            entry = entry.strip()
            if not _SORT_ENTRY.match(entry):
                continue
            direction: Literal[1, -1] = -1 if entry.startswith("-") else 1
            field = entry.lstrip("+-")
            if not rules.is_known_field(field):
                raise QueryError("_sort", f"Unknown sort field '{field}'")
            sorting.append(Sort(field, direction))
            if len(sorting) > MAX_SORT_FIELDS:
                raise QueryError("_sort", f"At most {MAX_SORT_FIELDS} sort fields are allowed")
    if not any(s.field == rules.modified_field for s in sorting):
        sorting.append(Sort(rules.modified_field, -1))
    return sorting


def parse_limit(raw: str | None, paginate_by: int | None, max_fetch_size: int) -> int:
    """The effective page size: ``_limit`` capped by settings.

    ``_limit=0`` or no limit means as many as allowed.
    """
    limit: int | None = None
    if raw is not None:
        text = raw.strip()
        if not text.isdigit() or int(text) > MAX_INT:
            raise QueryError("_limit", "_limit should be an integer between 0 and 2^63")
        limit = int(text) or None
    if limit is None:
        limit = paginate_by
    elif paginate_by is not None:
        limit = min(limit, paginate_by)
    if limit is None:
        return max_fetch_size
    return min(limit, max_fetch_size)


def parse_fields(raw: str | None, rules: FieldRules) -> list[str] | None:
    """``_fields=a,b.c`` (None when absent); unknown roots refused on strict schemas."""
    if raw is None:
        return None
    _check_nul("_fields", raw)
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    unknown = [f for f in fields if not rules.is_known_field(f.split(".")[0])]
    if unknown:
        raise QueryError("_fields", f"Fields {','.join(unknown)} do not exist")
    return fields


def apply_fields(obj: Mapping[str, Any], fields: list[str], rules: FieldRules) -> dict[str, Any]:
    """Keep only ``fields`` (dotted subsets merged), plus id and last_modified."""
    result: dict[str, Any] = {}
    for key in (rules.id_field, rules.modified_field):
        if key in obj:
            result[key] = obj[key]
    for path in fields:
        parts = path.split(".")
        source: Any = obj
        for part in parts:
            if not isinstance(source, Mapping) or part not in source:
                source = _ABSENT
                break
            source = source[part]
        if source is _ABSENT:
            continue
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[parts[-1]] = source
    return result


_ABSENT = object()
