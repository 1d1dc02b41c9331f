"""Filtering and ordering JSON objects in Python.

The reference implementation of the matching and ordering rules documented
in :mod:`strato.storage` (one cross-type order, ``missing`` above every
value, dotted paths, ids compared as strings). The memory backend lists its
collections with it and :func:`strato.storage.memory.apply_query` exposes it
for lists that are not stored; SQL backends translate the same rules to
SQL, and the conformance suite holds every backend to them.

Everything here is pure and works on any item type: ``view`` maps an item
to the JSON object the filters and sort keys read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from strato.storage import (
    COMPARISON,
    MISSING,
    Filter,
    _Filters,
    _Object,
    _PaginationRules,
    _Sorting,
)

__all__ = ["lookup", "order_key", "predicate", "select"]

_T = TypeVar("_T")

_RANK_NULL, _RANK_STRING, _RANK_NUMBER, _RANK_BOOLEAN, _RANK_ARRAY, _RANK_OBJECT = range(6)
_RANK_MISSING = 6


def order_key(value: Any) -> tuple[Any, ...]:
    """Map a JSON value (or MISSING) to a tuple sorting in the documented cross-type order.

    Raises :class:`TypeError` for anything JSON cannot hold.
    """
    if value is MISSING:
        return (_RANK_MISSING,)
    if value is None:
        return (_RANK_NULL,)
    if isinstance(value, str):
        return (_RANK_STRING, value)
    # bool before int: bool is an int subclass, but a distinct JSON type.
    if isinstance(value, bool):
        return (_RANK_BOOLEAN, value)
    if isinstance(value, int | float):
        return (_RANK_NUMBER, value)
    if isinstance(value, list | tuple):
        return (_RANK_ARRAY, len(value), tuple(order_key(v) for v in value))
    if isinstance(value, dict):
        items = sorted((str(k), order_key(v)) for k, v in value.items())
        return (_RANK_OBJECT, len(value), tuple(items))
    raise TypeError(f"Not a JSON value: {type(value).__name__}")


def lookup(obj: _Object, path: str) -> Any:
    """Resolve a dotted path (MISSING when absent); keys containing dots win, longest first."""
    if path in obj:
        return obj[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in obj:
            inner = obj[head]
            if isinstance(inner, dict):
                return lookup(inner, ".".join(parts[cut:]))
            return MISSING
    return MISSING


def _normalise_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def predicate(flt: Filter, id_field: str) -> Callable[[_Object], bool]:
    """The test an object must pass to match ``flt`` (see :class:`~strato.storage.COMPARISON`)."""
    op, field, target = flt.operator, flt.field, flt.value
    if field == id_field:
        target = (
            [_normalise_id(v) for v in target]
            if isinstance(target, list | tuple)
            else _normalise_id(target)
        )

    def on_value(test: Callable[[Any], bool]) -> Callable[[_Object], bool]:
        return lambda obj: test(lookup(obj, field))

    if op is COMPARISON.LIKE:
        pattern = target if "*" in target else f"*{target}*"
        regexp = re.compile(
            ".*".join(re.escape(part) for part in pattern.split("*")), re.IGNORECASE | re.DOTALL
        )
        return on_value(lambda v: isinstance(v, str) and regexp.fullmatch(v) is not None)
    if op is COMPARISON.HAS:
        wanted = bool(target)
        return on_value(lambda v: (v is not MISSING) == wanted)
    if op in (COMPARISON.IN, COMPARISON.EXCLUDE, COMPARISON.CONTAINS, COMPARISON.CONTAINS_ANY):
        keys = {order_key(v) for v in target}
        if op is COMPARISON.IN:
            return on_value(lambda v: order_key(v) in keys)
        if op is COMPARISON.EXCLUDE:
            return on_value(lambda v: order_key(v) not in keys)
        check = all if op is COMPARISON.CONTAINS else any

        def contains(v: Any) -> bool:
            if not isinstance(v, list):
                return False
            present = {order_key(item) for item in v}
            return check(k in present for k in keys)

        return on_value(contains)

    right = order_key(target)
    compare: dict[COMPARISON, Callable[[tuple[Any, ...]], bool]] = {
        COMPARISON.EQ: lambda left: left == right,
        COMPARISON.NOT: lambda left: left != right,
        COMPARISON.LT: lambda left: left < right,
        COMPARISON.GT: lambda left: left > right,
        COMPARISON.MIN: lambda left: left >= right,
        COMPARISON.MAX: lambda left: left <= right,
    }
    test = compare[op]
    return on_value(lambda v: test(order_key(v)))


def select(
    items: Iterable[_T],
    *,
    view: Callable[[_T], _Object],
    filters: _Filters | None = None,
    sorting: _Sorting | None = None,
    pagination_rules: _PaginationRules | None = None,
    limit: int | None = None,
    id_field: str,
) -> list[_T]:
    """The items whose view matches, ordered and cut, as a backend's ``list_all``.

    An item is kept when its view matches every filter and, when
    ``pagination_rules`` is given, every filter of at least one rule. The
    sort is stable: items the sort keys do not tell apart keep their input
    order (all of them when ``sorting`` is empty). ``limit`` None or 0
    keeps them all.
    """
    checks = [predicate(f, id_field) for f in filters or ()]
    selected = [item for item in items if all(check(view(item)) for check in checks)]
    if pagination_rules:
        rules = [[predicate(f, id_field) for f in rule] for rule in pagination_rules]
        selected = [i for i in selected if any(all(p(view(i)) for p in r) for r in rules)]
    for sort in reversed(sorting or ()):
        selected.sort(key=_sort_key(sort.field, view), reverse=sort.direction < 0)
    if limit:
        selected = selected[:limit]
    return selected


def _sort_key(field: str, view: Callable[[_T], _Object]) -> Callable[[_T], tuple[Any, ...]]:
    return lambda item: order_key(lookup(view(item), field))
