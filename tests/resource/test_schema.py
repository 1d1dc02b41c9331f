"""``ResourceSchema`` options and the schema helpers (PROTOCOL §4.3)."""

from __future__ import annotations

import time

import colander
import pytest

from strato import resource
from strato.testing import assert_formatted_error

from .testapp import BOB, create, make_app, storage_state


@pytest.fixture
def app():
    return make_app()


# Options -------------------------------------------------------------------------


def test_default_options():
    assert resource.ResourceSchema.get_option("preserve_unknown") is True
    assert resource.ResourceSchema.get_option("readonly_fields") == ()


def test_options_of_a_subclass_fall_back_to_the_defaults():
    class Partial(resource.ResourceSchema):
        class Options:
            readonly_fields = ("a",)

    assert Partial.get_option("preserve_unknown") is True
    assert Partial.is_readonly("a") and not Partial.is_readonly("b")


def test_schemaless_keeps_unknown_fields(app):
    obj = create(app, "/toadstools", {"anything": {"goes": [1, 2]}, "x": None})
    assert obj["anything"] == {"goes": [1, 2]}
    assert obj["x"] is None


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_strict_schema_drops_unknown_fields_silently(app, method):
    existing = create(app, "/moistures", {"name": "m"})
    body = {"data": {"name": "n", "color": "red", "size": 2}}
    if method == "post":
        response = app.post_json("/moistures", body, headers=BOB, status=201)
    else:
        response = getattr(app, f"{method}_json")(
            f"/moistures/{existing['id']}", body, headers=BOB, status=200
        )
    data = response.json["data"]
    assert "color" not in data
    assert data["size"] == 2
    stored = app.get(f"/moistures/{data['id']}", headers=BOB).json["data"]
    assert "color" not in stored


def test_strict_schema_refuses_unknown_querystring_names(app):
    for query in ("color=red", "_sort=color", "_fields=color"):
        app.get(f"/moistures?{query}", headers=BOB, status=400)


def test_validation_errors_name_the_field(app):
    response = app.post_json("/moistures", {"data": {"name": 12}}, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, "Invalid parameters", message="name")
    detail = response.json["details"][0]
    assert detail["location"] == "body"
    assert "name" in detail["name"]


def test_all_validation_errors_are_listed(app):
    response = app.post_json("/moistures", {"data": {"size": "big"}}, headers=BOB, status=400)
    names = {d["name"] for d in response.json["details"]}
    assert names == {"data.name", "data.size"}


def test_defaults_are_applied(app):
    assert create(app, "/spores", {"name": "s"})["owner"] == "nobody"


def test_values_are_converted_by_the_schema(app):
    assert create(app, "/moistures", {"name": "m", "size": "12"})["size"] == 12


# Readonly fields -------------------------------------------------------------------


def test_readonly_field_cannot_change_on_patch(app):
    spore = create(app, "/spores", {"name": "s", "owner": "me"})
    before = storage_state(app)
    response = app.patch_json(
        f"/spores/{spore['id']}", {"data": {"name": "t"}}, headers=BOB, status=400
    )
    assert_formatted_error(response, 400, 107, message="Cannot modify name")
    assert storage_state(app) == before


def test_readonly_field_with_the_same_value_is_accepted(app):
    spore = create(app, "/spores", {"name": "s", "owner": "me"})
    response = app.patch_json(
        f"/spores/{spore['id']}", {"data": {"name": "s", "size": 3}}, headers=BOB
    )
    assert response.json["data"]["size"] == 3


def test_readonly_field_removal_by_merge_patch_is_refused(app):
    spore = create(app, "/spores", {"name": "s", "owner": "me"})
    response = app.patch(
        f"/spores/{spore['id']}",
        '{"data": {"owner": null}}',
        headers={**BOB, "Content-Type": "application/merge-patch+json"},
        status=400,
    )
    assert_formatted_error(response, 400, 107, message="Cannot modify owner")


def test_readonly_fields_are_not_checked_on_put(app):
    spore = create(app, "/spores", {"name": "s", "owner": "me"})
    response = app.put_json(f"/spores/{spore['id']}", {"data": {"name": "t"}}, headers=BOB)
    assert response.json["data"]["name"] == "t"


# Helpers ---------------------------------------------------------------------------


class HelperSchema(resource.ResourceSchema):
    url = resource.URL(missing=colander.drop)
    stamp = resource.TimeStamp()
    anything = resource.Any(missing=colander.drop)


def test_url_is_stripped_and_validated():
    schema = HelperSchema()
    assert schema.deserialize({"url": "  https://example.com/a  "})["url"] == (
        "https://example.com/a"
    )
    for bad in ("not a url", "https://" + "a" * 2100 + ".com", 12):
        with pytest.raises(colander.Invalid):
            schema.deserialize({"url": bad})


def test_timestamp_defaults_to_now():
    before = int(time.time() * 1000)
    stamp = HelperSchema().deserialize({})["stamp"]
    assert before <= stamp <= int(time.time() * 1000)
    assert HelperSchema().deserialize({"stamp": "42"})["stamp"] == 42


def test_any_accepts_every_json_value():
    for value in (None, 1, "x", [1, {"a": None}], {"k": [True]}):
        assert HelperSchema().deserialize({"anything": value})["anything"] == value
