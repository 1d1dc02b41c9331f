"""Bad input always gets a clean JSON error, never a 500."""

from __future__ import annotations

import pytest


@pytest.fixture
def owner(auth):
    return auth("owner")


@pytest.fixture
def tree(app, owner):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=owner)
    return app


CASES = [
    ("put_json", "/v1/buckets/b%2Fx", {}, 404, 111),
    ("put_json", "/v1/buckets/" + "a" * 300, {}, 400, 107),
    ("put_json", "/v1/buckets/b/collections/c/records/..", {}, 400, 107),
    ("post_json", "/v1/buckets/b/collections/missing/records", {"data": {}}, 404, 111),
    ("put_json", "/v1/buckets/b/collections/d", {"data": {"schema": {"type": "nope"}}}, 400, 107),
    ("put_json", "/v1/buckets/b/collections/d", {"data": {"schema": [1]}}, 400, 107),
    ("put_json", "/v1/buckets/b/groups/g", {"data": {"members": ["system.Everyone"]}}, 400, 107),
    (
        "put_json",
        "/v1/buckets/b/groups/g",
        {"data": {"members": ["/buckets/b/groups/other"]}},
        400,
        107,
    ),
    ("put_json", "/v1/buckets/b/groups/g", {"data": {"members": {"a": 1}}}, 400, 107),
    ("put_json", "/v1/accounts/bob", {"data": {"password": "p" * 1024 * 1024}}, 400, 107),
    ("put_json", "/v1/accounts/bob", {"data": {"password": 12}}, 400, 107),
    ("put_json", "/v1/buckets/b", {"permissions": {"record:create": ["x"]}}, 400, 107),
    ("put_json", "/v1/buckets/b/collections/c", {"data": {"cache_expires": "x"}}, 400, 107),
    ("get", "/v1/buckets/b/collections/c/records?_limit=x", None, 400, 107),
    ("get", "/v1/buckets/b/collections/c/records?_token=bad", None, 400, 107),
    ("get", "/v1/permissions?_sort=nothing", None, 400, 107),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "errno"), CASES)
def test_clean_json_errors(tree, owner, method, path, body, status, errno):
    call = getattr(tree, method)
    args = (path,) if body is None else (path, body)
    resp = call(*args, headers=owner, status=status)
    assert resp.content_type == "application/json"
    assert resp.json["errno"] == errno
    assert resp.json["code"] == status


def test_invalid_json_bodies(tree, owner):
    for path in ("/v1/buckets/b/collections/c/records/r", "/v1/accounts/x", "/v1/buckets/default"):
        resp = tree.put(
            path, "{not json", headers={**owner, "Content-Type": "application/json"}, status=400
        )
        assert resp.json["errno"] == 107


def test_bodies_that_are_not_objects(tree, owner):
    tree.put_json("/v1/buckets/b/collections/c/records/r", [1, 2], headers=owner, status=400)
    tree.post_json("/v1/accounts", [1], status=400)
    tree.put_json("/v1/buckets/default", "x", headers=owner, status=400)


def nested(depth: int, key: str, leaf: dict) -> dict:
    value = leaf
    for _ in range(depth):
        value = {key: value} if key == "a" else {key: {"a": value}}
    return value


def test_too_deeply_nested_schemas_are_400(tree, owner):
    schema = nested(300, "properties", {})
    resp = tree.put_json(
        "/v1/buckets/b/collections/n", {"data": {"schema": schema}}, headers=owner, status=400
    )
    assert "nested too deeply" in resp.json["message"]


def test_deep_records_are_validated_or_refused_cleanly(tree, owner):
    schema = nested(40, "properties", {"type": "integer"})
    tree.put_json("/v1/buckets/b/collections/n", {"data": {"schema": schema}}, headers=owner)
    records = "/v1/buckets/b/collections/n/records"
    tree.post_json(records, {"data": nested(40, "a", 1)}, headers=owner, status=201)
    tree.post_json(records, {"data": nested(40, "a", "x")}, headers=owner, status=400)
