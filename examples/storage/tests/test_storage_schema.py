"""JSON schema validation, and record caching by anonymous clients."""

from __future__ import annotations

import pytest

SCHEMA = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "tags": {"type": "array"}},
    "required": ["title"],
}
RECORDS = "/v1/buckets/b/collections/c/records"


@pytest.fixture
def owner(auth):
    return auth("owner")


@pytest.fixture
def app_with_schema(app, owner):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {"data": {"schema": SCHEMA}}, headers=owner)
    return app


def test_capability_only_when_enabled(app, make_app):
    assert "schema" in app.get("/v1/").json["capabilities"]
    off = make_app(experimental_collection_schema_validation="false")
    assert "schema" not in off.get("/v1/").json["capabilities"]


def test_valid_records_carry_the_schema_version(app_with_schema, owner):
    app = app_with_schema
    collection = app.get("/v1/buckets/b/collections/c", headers=owner).json["data"]
    record = app.post_json(RECORDS, {"data": {"title": "x"}}, headers=owner).json["data"]
    assert record["schema"] == collection["last_modified"]


def test_invalid_records_are_400_naming_the_field(app_with_schema, owner):
    app = app_with_schema
    resp = app.post_json(RECORDS, {"data": {"title": 3}}, headers=owner, status=400)
    assert resp.json["errno"] == 107
    assert resp.json["details"][0]["name"] == "title"
    resp = app.post_json(RECORDS, {"data": {"tags": []}}, headers=owner, status=400)
    assert resp.json["details"][0]["name"] == "title"
    assert "required" in resp.json["message"]


def test_patches_are_validated_on_the_result(app_with_schema, owner):
    app = app_with_schema
    app.put_json(f"{RECORDS}/r", {"data": {"title": "x"}}, headers=owner)
    app.patch_json(f"{RECORDS}/r", {"data": {"title": None}}, headers=owner, status=400)
    app.patch_json(f"{RECORDS}/r", {"data": {"tags": ["a"]}}, headers=owner)


def test_server_fields_are_not_validated(app_with_schema, owner):
    strict = {**SCHEMA, "additionalProperties": False, "required": ["title", "id", "schema"]}
    app_with_schema.patch_json(
        "/v1/buckets/b/collections/c", {"data": {"schema": strict}}, headers=owner
    )
    app_with_schema.put_json(f"{RECORDS}/r", {"data": {"title": "x"}}, headers=owner)


@pytest.mark.parametrize(
    "schema",
    [{"type": 12}, {"properties": []}, {"$schema": 3}, "not an object", {"pattern": "(unclosed"}],
)
def test_invalid_schemas_are_refused_at_collection_write(app, owner, schema):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    resp = app.put_json(
        "/v1/buckets/b/collections/c", {"data": {"schema": schema}}, headers=owner, status=400
    )
    assert resp.json["errno"] == 107
    assert resp.json["details"][0]["name"] == "data.schema"


def test_unresolvable_references_are_400(app, owner):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    schema = {"properties": {"a": {"$ref": "https://example.invalid/schema.json"}}}
    app.put_json("/v1/buckets/b/collections/c", {"data": {"schema": schema}}, headers=owner)
    resp = app.post_json(RECORDS, {"data": {"a": 1}}, headers=owner, status=400)
    assert resp.json["details"][0]["name"] == "schema"


def test_other_drafts_are_honoured(app, owner):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "prefixItems": [{"type": "integer"}],
        "type": "object",
        "properties": {"pair": {"prefixItems": [{"type": "integer"}]}},
    }
    app.put_json("/v1/buckets/b/collections/c", {"data": {"schema": schema}}, headers=owner)
    app.post_json(RECORDS, {"data": {"pair": ["x"]}}, headers=owner, status=400)
    app.post_json(RECORDS, {"data": {"pair": [1]}}, headers=owner, status=201)


def test_no_validation_when_disabled(make_app, owner):
    app = make_app(experimental_collection_schema_validation="false")
    app.put_json("/v1/buckets/b", {}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {"data": {"schema": SCHEMA}}, headers=owner)
    record = app.post_json(RECORDS, {"data": {"title": 3}}, headers=owner).json["data"]
    assert "schema" not in record


def test_bucket_schemas_validate_each_kind(app, owner):
    bucket = {
        "record:schema": {"type": "object", "required": ["kind"]},
        "collection:schema": {"type": "object", "required": ["label"]},
        "group:schema": {"type": "object", "properties": {"members": {"maxItems": 1}}},
    }
    app.put_json("/v1/buckets/b", {"data": bucket}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=owner, status=400)
    app.put_json("/v1/buckets/b/collections/c", {"data": {"label": "C"}}, headers=owner)
    app.post_json(RECORDS, {"data": {}}, headers=owner, status=400)
    app.post_json(RECORDS, {"data": {"kind": "k"}}, headers=owner, status=201)
    app.put_json(
        "/v1/buckets/b/groups/g", {"data": {"members": ["a", "b"]}}, headers=owner, status=400
    )
    app.put_json("/v1/buckets/b/groups/g", {"data": {"members": ["a"]}}, headers=owner)


def test_bucket_schemas_are_checked_too(app, owner):
    resp = app.put_json(
        "/v1/buckets/b", {"data": {"record:schema": {"type": 1}}}, headers=owner, status=400
    )
    assert resp.json["details"][0]["name"] == "data.record:schema"


def test_schema_changes_apply_within_a_batch(app_with_schema, owner):
    body = {
        "defaults": {"headers": owner},
        "requests": [
            {"method": "POST", "path": "/buckets/b/collections/c/records", "body": {"data": {}}},
            {
                "method": "PATCH",
                "path": "/buckets/b/collections/c",
                "body": {"data": {"schema": {}}},
            },
            {"method": "POST", "path": "/buckets/b/collections/c/records", "body": {"data": {}}},
        ],
    }
    statuses = [
        r["status"] for r in app_with_schema.post_json("/v1/batch", body).json["responses"]
    ]
    assert statuses == [400, 200, 201]


def test_anonymous_record_reads_use_the_collection_cache_expires(app, owner):
    app.put_json("/v1/buckets/b", {"permissions": {"read": ["system.Everyone"]}}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {"data": {"cache_expires": 3600}}, headers=owner)
    app.put_json(f"{RECORDS}/r", {}, headers=owner)
    for path in (RECORDS, f"{RECORDS}/r"):
        assert app.get(path).headers["Cache-Control"] == "max-age=3600"
        assert "no-cache" in app.get(path, headers=owner).headers["Cache-Control"]


def test_cache_expires_must_be_a_positive_integer(app, owner):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    for value in (-1, "soon"):
        app.put_json(
            "/v1/buckets/b/collections/c",
            {"data": {"cache_expires": value}},
            headers=owner,
            status=400,
        )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("b.c.record_cache_expires_seconds", "max-age=60"),
        ("b.record_cache_expires_seconds", "max-age=60"),
        ("record_cache_expires_seconds", "max-age=60"),
        ("b.other.record_cache_expires_seconds", "no-cache, no-store"),
    ],
)
def test_record_cache_settings(make_app, owner, setting, expected):
    app = make_app(**{setting: "60"})
    app.put_json("/v1/buckets/b", {"permissions": {"read": ["system.Everyone"]}}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=owner)
    assert app.get(RECORDS).headers["Cache-Control"] == expected


def test_the_longest_of_setting_and_collection_wins(make_app, owner):
    app = make_app(record_cache_expires_seconds="60")
    app.put_json("/v1/buckets/b", {"permissions": {"read": ["system.Everyone"]}}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {"data": {"cache_expires": 10}}, headers=owner)
    assert app.get(RECORDS).headers["Cache-Control"] == "max-age=60"
