"""Filters, pagination rules and sorting of the storage interface, as SQL.

:class:`ObjectQuery` turns :class:`~strato.storage.Filter` and
:class:`~strato.storage.Sort` lists into WHERE and ORDER BY clauses on the
objects table, with the semantics the memory backend defines (cross-type
order, missing values, dotted keys). Field names and values are always
bound parameters.

How a field is found: ``id`` and ``last_modified`` (whatever the caller
names them) are columns; any other field is looked up in the ``data``
document. A dotted field ``a.b`` first means the key ``"a.b"`` if present,
else ``b`` inside ``a`` (longest existing key first, at every level), so
each way of splitting the name into keys becomes one alternative guarded
by presence checks. Names of more than :data:`MAX_FIELD_PARTS` parts are
refused with :class:`ValueError`, the number of alternatives doubling with
each part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, literal, not_, or_, select, true

from strato.sql.dialect import (
    RANK_MISSING,
    RANK_NULL,
    RANK_NUMBER,
    RANK_STRING,
    Dialect,
    JSONRef,
    canonical_json,
    json_rank,
)
from strato.sql.schema import objects
from strato.storage import COMPARISON, MISSING, Filter, Sort

__all__ = ["MAX_FIELD_PARTS", "ObjectQuery", "check_no_nul"]

#: Most dot-separated parts a filter or sort field may have on SQL backends.
MAX_FIELD_PARTS = 8

_COMPARISONS = frozenset({COMPARISON.LT, COMPARISON.GT, COMPARISON.MIN, COMPARISON.MAX})


def check_no_nul(value: Any, what: str) -> None:
    """Raise :class:`ValueError` when ``value`` holds a NUL character anywhere.

    Neither PostgreSQL text nor SQLite's JSON path functions handle U+0000.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"Invalid character 0x00 in {what}")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_no_nul(key, what)
            check_no_nul(item, what)
    elif isinstance(value, list | tuple):
        for item in value:
            check_no_nul(item, what)


@dataclass(frozen=True)
class _Resolution:
    """One way a dotted name resolves: the keys followed, and when it applies."""

    keys: tuple[str, ...]
    present: tuple[tuple[str, ...], ...]
    absent: tuple[tuple[str, ...], ...]
    objects: tuple[tuple[str, ...], ...]


def _resolutions(parts: Sequence[str]) -> list[_Resolution]:
    # Mirrors the memory backend's lookup: at each level the longest
    # existing key made of the next parts wins; if it is not the whole
    # rest, its value must be an object to go on.
    found = []
    count = len(parts)
    for cut in range(count, 0, -1):
        head = ".".join(parts[:cut])
        longer = tuple((".".join(parts[:c]),) for c in range(cut + 1, count + 1))
        if cut == count:
            found.append(_Resolution((head,), ((head,),), longer, ()))
            continue
        for inner in _resolutions(parts[cut:]):
            found.append(
                _Resolution(
                    (head, *inner.keys),
                    ((head,), *((head, *p) for p in inner.present)),
                    longer + tuple((head, *p) for p in inner.absent),
                    ((head,), *((head, *p) for p in inner.objects)),
                )
            )
    return found


def _like_pattern(pattern: str) -> str:
    if "*" not in pattern:
        pattern = f"*{pattern}*"
    return "%".join(re.sub(r"([\\%_])", r"\\\1", part) for part in pattern.split("*"))


def _unique(values: Sequence[Any]) -> list[Any]:
    seen: dict[tuple[int, str], Any] = {}
    for value in values:
        seen.setdefault((json_rank(value), canonical_json(value)), value)
    return list(seen.values())


class ObjectQuery:
    """Builds the clauses selecting and ordering rows of the objects table."""

    def __init__(self, dialect: Dialect, *, id_field: str, modified_field: str) -> None:
        self.dialect = dialect
        self.id_field = id_field
        self.modified_field = modified_field

    # -- collections ----------------------------------------------------------

    def collection(
        self, resource_name: str | None, parent_id: str, table: Table = objects
    ) -> list[ColumnElement[bool]]:
        """Rows of ``resource_name`` (any if None) under ``parent_id`` (``*`` patterns).

        ``table`` is the objects table or the timestamps table.
        """
        check_no_nul(parent_id, "parent_id")
        clauses: list[ColumnElement[bool]] = []
        if resource_name is not None:
            check_no_nul(resource_name, "resource_name")
            clauses.append(table.c.resource_name == resource_name)
        if "*" in parent_id:
            clauses.append(self.dialect.pattern_match(table.c.parent_id, parent_id))
        else:
            clauses.append(table.c.parent_id == parent_id)
        return clauses

    # -- filters --------------------------------------------------------------

    def where(self, filters: Sequence[Filter] | None) -> list[ColumnElement[bool]]:
        """One clause per filter (to be ANDed)."""
        return [self.predicate(f) for f in filters or ()]

    def pagination(self, rules: Sequence[Sequence[Filter]] | None) -> ColumnElement[bool] | None:
        """The ORed pagination rules, None when there are none."""
        if not rules:
            return None
        return or_(*(and_(true(), *self.where(rule)) for rule in rules))

    def predicate(self, flt: Filter) -> ColumnElement[bool]:
        """The clause of one filter; never NULL, so it can be negated."""
        check_no_nul(flt.field, "filter field name")
        check_no_nul(flt.value, f"filter value of {flt.field!r}")
        if flt.field == self.id_field:
            return self._on_column(objects.c.id, RANK_STRING, flt, _normalise_id)
        if flt.field == self.modified_field:
            return self._on_column(objects.c.last_modified, RANK_NUMBER, flt, _same)
        return self._on_document(flt)

    def _on_column(
        self, column: ColumnElement[Any], rank: int, flt: Filter, normalise: Any
    ) -> ColumnElement[bool]:
        op, value = flt.operator, flt.value
        if op is COMPARISON.HAS:
            return true() if value else false()
        if op is COMPARISON.LIKE:
            if rank != RANK_STRING:
                return false()
            return column.ilike(_like_pattern(value), escape="\\")
        if op in (COMPARISON.CONTAINS, COMPARISON.CONTAINS_ANY):
            return false()
        if op in (COMPARISON.IN, COMPARISON.EXCLUDE):
            values = [normalise(v) for v in value if v is not MISSING]
            same = [v for v in values if json_rank(v) == rank]
            found = self.dialect.in_values(column, same)
            return found if op is COMPARISON.IN else not_(found)
        value = normalise(value)
        value_rank = RANK_MISSING if value is MISSING else json_rank(value)
        if value_rank != rank:
            return true() if _compare_ranks(op, rank, value_rank) else false()
        comparisons: dict[COMPARISON, ColumnElement[bool]] = {
            COMPARISON.EQ: column == value,
            COMPARISON.NOT: column != value,
            COMPARISON.LT: column < value,
            COMPARISON.GT: column > value,
            COMPARISON.MIN: column >= value,
            COMPARISON.MAX: column <= value,
        }
        return comparisons[op]

    def _on_document(self, flt: Filter) -> ColumnElement[bool]:
        op, value = flt.operator, flt.value
        if op is COMPARISON.EQ and value is not MISSING and self._can_contain(value):
            return self._containment(flt.field, value)
        if op is COMPARISON.NOT and value is not MISSING and self._can_contain(value):
            return not_(self._containment(flt.field, value))
        ref = self.document_field(flt.field)
        dialect = self.dialect
        if op is COMPARISON.HAS:
            return ref.present if value else ref.missing
        if op is COMPARISON.LIKE:
            text = dialect.string(ref)
            return and_(
                dialect.has_rank(ref, RANK_STRING), text.ilike(_like_pattern(value), escape="\\")
            )
        if op in (COMPARISON.IN, COMPARISON.EXCLUDE):
            values = [v for v in value if v is not MISSING]
            found = dialect.one_of(ref, _unique(values))
            if len(values) < len(value):
                found = or_(found, ref.missing)
            return found if op is COMPARISON.IN else not_(found)
        if op is COMPARISON.CONTAINS:
            clauses = [self._has_element(ref, [v]) for v in _unique(value) if v is not MISSING]
            return and_(dialect.is_array(ref), *clauses)
        if op is COMPARISON.CONTAINS_ANY:
            values = _unique([v for v in value if v is not MISSING])
            if not values:
                return false()
            return and_(dialect.is_array(ref), self._has_element(ref, values))
        if value is MISSING:
            return {
                COMPARISON.EQ: ref.missing,
                COMPARISON.NOT: ref.present,
                COMPARISON.LT: ref.present,
                COMPARISON.GT: false(),
                COMPARISON.MIN: ref.missing,
                COMPARISON.MAX: true(),
            }[op]
        if op is COMPARISON.EQ:
            return dialect.equals(ref, value)
        if op is COMPARISON.NOT:
            return not_(dialect.equals(ref, value))
        return self._compare(ref, op, value)

    def _compare(self, ref: JSONRef, op: COMPARISON, value: Any) -> ColumnElement[bool]:
        dialect = self.dialect
        rank = dialect.rank(ref)
        value_rank = json_rank(value)
        other_ranks = {
            COMPARISON.LT: rank < value_rank,
            COMPARISON.MAX: rank < value_rank,
            COMPARISON.GT: rank > value_rank,
            COMPARISON.MIN: rank > value_rank,
        }[op]
        if value_rank == RANK_NULL:
            # One null value only: it is equal to itself.
            if op in (COMPARISON.MIN, COMPARISON.MAX):
                return or_(other_ranks, dialect.has_rank(ref, RANK_NULL))
            return other_ranks
        bound = dialect.literal(value)
        same_rank = {
            COMPARISON.LT: ref.value < bound,
            COMPARISON.MAX: ref.value <= bound,
            COMPARISON.GT: ref.value > bound,
            COMPARISON.MIN: ref.value >= bound,
        }[op]
        return or_(other_ranks, and_(dialect.has_rank(ref, value_rank), same_rank))

    def _has_element(self, ref: JSONRef, values: list[Any]) -> ColumnElement[bool]:
        table, element = self.dialect.elements(ref)
        if len(values) == 1:
            match = self.dialect.equals(element, values[0])
        else:
            match = self.dialect.one_of(element, values)
        return select(literal(1)).select_from(table).where(match).exists()

    def _can_contain(self, value: Any) -> bool:
        # Containment is exact only for scalars: {"v": [1, 2]} contains
        # {"v": [1]}, which is not equality.
        return self.dialect.has_containment and not isinstance(value, list | tuple | dict)

    def _containment(self, field: str, value: Any) -> ColumnElement[bool]:
        # data @> {"a": {"b": value}}: one GIN index serves every equality.
        clauses = []
        for resolution in self._resolve(field):
            fragment: Any = value
            for key in reversed(resolution.keys):
                fragment = {key: fragment}
            absent = [
                self.dialect.field(objects.c.data, keys).missing for keys in resolution.absent
            ]
            clauses.append(and_(self.dialect.containment(objects.c.data, fragment), *absent))
        return or_(*clauses)

    # -- fields ---------------------------------------------------------------

    def _resolve(self, field: str) -> list[_Resolution]:
        parts = field.split(".")
        if len(parts) > MAX_FIELD_PARTS:
            raise ValueError(
                f"Field {field[:50]!r} has more than {MAX_FIELD_PARTS} dot-separated parts"
            )
        return _resolutions(parts)

    def document_field(self, field: str) -> JSONRef:
        """The value of ``field`` in the ``data`` document (dotted names resolved)."""
        dialect = self.dialect
        data = objects.c.data
        resolutions = self._resolve(field)
        if len(resolutions) == 1:
            return dialect.field(data, resolutions[0].keys)
        alternatives: list[tuple[ColumnElement[bool] | None, JSONRef]] = []
        for resolution in resolutions:
            conditions = [dialect.field(data, keys).present for keys in resolution.present]
            conditions += [dialect.field(data, keys).missing for keys in resolution.absent]
            conditions += [dialect.is_object(dialect.field(data, k)) for k in resolution.objects]
            alternatives.append((and_(*conditions), dialect.field(data, resolution.keys)))
        return dialect.choose(alternatives)

    # -- sorting --------------------------------------------------------------

    def order_by(self, sorting: Sequence[Sort] | None) -> list[ColumnElement[Any]]:
        """ORDER BY terms; newest first when ``sorting`` is empty."""
        if not sorting:
            return [objects.c.last_modified.desc()]
        terms: list[ColumnElement[Any]] = []
        for sort in sorting:
            check_no_nul(sort.field, "sort field name")
            if sort.field == self.id_field:
                keys: list[ColumnElement[Any]] = [objects.c.id]
            elif sort.field == self.modified_field:
                keys = [objects.c.last_modified]
            else:
                ref = self.document_field(sort.field)
                keys = [self.dialect.rank(ref), ref.value]
            terms += [k.asc() if sort.direction > 0 else k.desc() for k in keys]
        return terms


def _normalise_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _same(value: Any) -> Any:
    return value


def _compare_ranks(op: COMPARISON, left: int, right: int) -> bool:
    return {
        COMPARISON.EQ: left == right,
        COMPARISON.NOT: left != right,
        COMPARISON.LT: left < right,
        COMPARISON.GT: left > right,
        COMPARISON.MIN: left >= right,
        COMPARISON.MAX: left <= right,
    }[op]
