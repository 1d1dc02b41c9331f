"""Querystring parsing: filters, sorting, page size and ``_fields`` (pure functions)."""

from __future__ import annotations

import time

import pytest

from strato.resource.query import (
    FieldRules,
    QueryError,
    apply_fields,
    parse_fields,
    parse_filters,
    parse_limit,
    parse_sort,
    parse_timestamp,
)
from strato.storage import COMPARISON, Filter, Sort

SCHEMALESS = FieldRules(is_known_field=lambda field: True)
STRICT = FieldRules(is_known_field=lambda field: field.split(".")[0] in {"id", "name", "size"})


def filters(query, rules=SCHEMALESS):
    return parse_filters(query, rules)


# Filters -----------------------------------------------------------------


def test_plain_parameter_is_an_equality():
    assert filters([("name", "bob")]) == [Filter("name", "bob", COMPARISON.EQ)]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", 1),
        ('"1"', "1"),
        ("true", True),
        ("null", None),
        ("[1,2]", [1, 2]),
        ('{"a":1}', {"a": 1}),
        ("1.5", 1.5),
        ("bob", "bob"),
        ("a b", "a b"),
    ],
)
def test_values_are_json_decoded_when_possible(raw, value):
    assert filters([("x", raw)])[0].value == value


@pytest.mark.parametrize(
    "operator",
    [
        c
        for c in COMPARISON
        if c
        not in (
            COMPARISON.IN,
            COMPARISON.EXCLUDE,
            COMPARISON.CONTAINS,
            COMPARISON.CONTAINS_ANY,
            COMPARISON.HAS,
            COMPARISON.LIKE,
        )
    ],
)
def test_scalar_operator_prefixes(operator):
    parsed = filters([(f"{operator.value}_size", "3")])
    assert parsed == [Filter("size", 3, operator)]


def test_list_operators_split_on_commas_and_decode_each_value():
    assert filters([("in_size", '1,"2",x')]) == [Filter("size", [1, "2", "x"], COMPARISON.IN)]
    assert filters([("exclude_size", "1,2")]) == [Filter("size", [1, 2], COMPARISON.EXCLUDE)]


def test_contains_wraps_scalars_into_a_list():
    assert filters([("contains_tags", "a")]) == [Filter("tags", ["a"], COMPARISON.CONTAINS)]
    assert filters([("contains_any_tags", '["a","b"]')]) == [
        Filter("tags", ["a", "b"], COMPARISON.CONTAINS_ANY)
    ]


def test_contains_any_is_not_read_as_contains():
    assert filters([("contains_any_tags", "a")])[0].operator is COMPARISON.CONTAINS_ANY


@pytest.mark.parametrize(
    ("raw", "wanted"), [("true", True), ("1", True), ("yes", True), ("false", False), ("0", False)]
)
def test_has_takes_a_truth_value(raw, wanted):
    assert filters([("has_x", raw)]) == [Filter("x", wanted, COMPARISON.HAS)]


def test_like_needs_a_string():
    assert filters([("like_name", "bo*")]) == [Filter("name", "bo*", COMPARISON.LIKE)]
    with pytest.raises(QueryError):
        filters([("like_name", "12")])


def test_nested_fields_are_kept_dotted():
    assert filters([("gt_person.age", "3")]) == [Filter("person.age", 3, COMPARISON.GT)]


def test_unknown_prefix_is_part_of_the_field_name():
    assert filters([("madmax_x", "1")]) == [Filter("madmax_x", 1, COMPARISON.EQ)]


def test_bare_operator_is_a_field_name():
    assert filters([("gt_", "1")]) == [Filter("gt_", 1, COMPARISON.EQ)]


def test_underscore_parameters_are_ignored():
    assert filters([("_expected", "1"), ("_limit", "3"), ("_whatever", "x")]) == []


def test_since_and_before_filter_last_modified():
    assert filters([("_since", "12"), ("_before", '"15"')]) == [
        Filter("last_modified", 12, COMPARISON.GT),
        Filter("last_modified", 15, COMPARISON.LT),
    ]
    assert filters([("_to", "15")]) == [Filter("last_modified", 15, COMPARISON.LT)]


@pytest.mark.parametrize("raw", ["", "null"])
def test_empty_since_means_not_given(raw):
    assert filters([("_since", raw)]) == []


@pytest.mark.parametrize("raw", ["yesterday", "-1", "1.5", '"abc"', "[1]", "true"])
def test_invalid_since(raw):
    with pytest.raises(QueryError) as info:
        filters([("_since", raw)])
    assert info.value.name == "_since"
    assert "Invalid value for _since" in info.value.description


def test_last_modified_values_are_bounded_by_tomorrow():
    now = int(time.time() * 1000)
    filters([("last_modified", str(now + 3600 * 1000))])
    with pytest.raises(QueryError):
        filters([("last_modified", str(now + 48 * 3600 * 1000))])


def test_in_last_modified_takes_integers():
    assert filters([("in_last_modified", '1,"2"')]) == [
        Filter("last_modified", [1, 2], COMPARISON.IN)
    ]
    with pytest.raises(QueryError):
        filters([("in_last_modified", "a,b")])


def test_id_values_are_strings():
    assert filters([("id", "12")]) == [Filter("id", "12", COMPARISON.EQ)]
    assert filters([("in_id", "1,b")]) == [Filter("id", ["1", "b"], COMPARISON.IN)]
    with pytest.raises(QueryError):
        filters([("id", "[1]")])


@pytest.mark.parametrize("field", ["id", "last_modified"])
def test_contains_on_scalar_fields_is_refused(field):
    with pytest.raises(QueryError) as info:
        filters([(f"contains_{field}", "1")])
    assert info.value.description == f"Field '{field}' is not an array"


@pytest.mark.parametrize("param", ["na\x00me", "name"])
def test_nul_characters_are_refused(param):
    with pytest.raises(QueryError) as info:
        filters([(param, "x\x00" if param == "name" else "x")])
    assert info.value.description == "Invalid character 0x00"


def test_unknown_fields_are_refused_by_strict_rules():
    assert filters([("name", "x"), ("size", "1")], STRICT) == [
        Filter("name", "x"),
        Filter("size", 1),
    ]
    with pytest.raises(QueryError) as info:
        filters([("gt_color", "1")], STRICT)
    assert info.value.description == "Unknown filter field 'color'"
    assert info.value.name == "gt_color"


def test_empty_values_are_refused_for_operators():
    for param in (
        "min_x",
        "max_x",
        "lt_x",
        "gt_x",
        "in_x",
        "exclude_x",
        "like_x",
        "has_x",
        "contains_x",
        "contains_any_x",
    ):
        with pytest.raises(QueryError):
            filters([(param, "")])


def test_empty_values_mean_an_empty_string_for_equality():
    assert filters([("x", ""), ("not_y", "")]) == [
        Filter("x", ""),
        Filter("y", "", COMPARISON.NOT),
    ]


def test_overlong_field_names_are_refused():
    with pytest.raises(QueryError):
        filters([("x" * 300, "1")])


def test_too_many_list_values_are_refused():
    with pytest.raises(QueryError):
        filters([("in_x", ",".join(["1"] * 10001))])


# Timestamps ----------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [("12", 12), ('"12"', 12), (12, 12), ("0", 0)])
def test_parse_timestamp(raw, value):
    assert parse_timestamp("_since", raw) == value


@pytest.mark.parametrize("raw", ["abc", "", "-1", True, 1.5, None, '"', "1e3"])
def test_parse_timestamp_refuses(raw):
    with pytest.raises(QueryError):
        parse_timestamp("_since", raw)


# Sorting -----------------------------------------------------------------


def test_sort_appends_last_modified_descending():
    assert parse_sort(None, SCHEMALESS) == [Sort("last_modified", -1)]
    assert parse_sort("name", SCHEMALESS) == [Sort("name", 1), Sort("last_modified", -1)]


def test_sort_directions_and_nested_fields():
    assert parse_sort("-a,+b,c.d", SCHEMALESS) == [
        Sort("a", -1),
        Sort("b", 1),
        Sort("c.d", 1),
        Sort("last_modified", -1),
    ]


def test_sort_keeps_an_explicit_last_modified():
    assert parse_sort("last_modified,a", SCHEMALESS) == [Sort("last_modified", 1), Sort("a", 1)]


def test_sort_ignores_malformed_entries():
    assert parse_sort("a b,$x,--c,,b", SCHEMALESS) == [Sort("b", 1), Sort("last_modified", -1)]


def test_sort_refuses_unknown_fields_with_strict_rules():
    with pytest.raises(QueryError) as info:
        parse_sort("color", STRICT)
    assert info.value.description == "Unknown sort field 'color'"


@pytest.mark.parametrize("raw", ["", "  "])
def test_empty_sort_is_refused(raw):
    with pytest.raises(QueryError) as info:
        parse_sort(raw, SCHEMALESS)
    assert info.value.name == "_sort"


# Limit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "paginate_by", "max_fetch", "limit"),
    [
        (None, None, 10000, 10000),
        ("0", None, 10000, 10000),
        ("5", None, 10000, 5),
        ("5", 2, 10000, 2),
        (None, 3, 10000, 3),
        ("0", 3, 10000, 3),
        ("50", None, 20, 20),
        (str(2**63), None, 10, 10),
    ],
)
def test_effective_limit(raw, paginate_by, max_fetch, limit):
    assert parse_limit(raw, paginate_by, max_fetch) == limit


@pytest.mark.parametrize("raw", ["-1", "abc", "1.5", "", str(2**63 + 1), "0x10"])
def test_invalid_limits(raw):
    with pytest.raises(QueryError) as info:
        parse_limit(raw, None, 10000)
    assert info.value.name == "_limit"


# Fields ----------------------------------------------------------------------


def test_parse_fields():
    assert parse_fields(None, SCHEMALESS) is None
    assert parse_fields("a, b.c,", SCHEMALESS) == ["a", "b.c"]
    assert parse_fields("name,size", STRICT) == ["name", "size"]
    with pytest.raises(QueryError) as info:
        parse_fields("name,color", STRICT)
    assert info.value.description == "Fields color do not exist"


def test_apply_fields_keeps_id_and_last_modified_and_merges_subsets():
    obj = {
        "id": "a",
        "last_modified": 1,
        "x": 1,
        "y": 2,
        "p": {"name": "n", "age": 3, "deep": {"k": 1, "l": 2}},
    }
    assert apply_fields(obj, ["x", "p.name", "p.deep.k", "missing", "x.nope"], SCHEMALESS) == {
        "id": "a",
        "last_modified": 1,
        "x": 1,
        "p": {"name": "n", "deep": {"k": 1}},
    }


def test_too_many_sort_fields_are_refused():
    parse_sort(",".join(f"f{i}" for i in range(32)), SCHEMALESS)
    with pytest.raises(QueryError) as info:
        parse_sort(",".join(f"f{i}" for i in range(33)), SCHEMALESS)
    assert info.value.name == "_sort"
