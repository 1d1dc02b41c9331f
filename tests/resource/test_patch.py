"""PATCH: the three dialects and ``Response-Behavior`` (PROTOCOL §5.2)."""

from __future__ import annotations

import json

import pytest

from strato.resource.patch import (
    PatchError,
    apply_json_patch,
    merge_patch,
    reads_any,
    shallow_merge,
)
from strato.testing import assert_formatted_error

from .testapp import BOB, create, make_app, storage_state

MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


# Pure functions ----------------------------------------------------------------


def test_shallow_merge_replaces_top_level_keys():
    target = {"a": 1, "b": {"c": 1, "d": 2}}
    assert shallow_merge(target, {"b": {"c": 2}, "e": None}) == {"a": 1, "b": {"c": 2}, "e": None}
    assert target == {"a": 1, "b": {"c": 1, "d": 2}}


def test_merge_patch_is_recursive_and_null_removes():
    target = {"a": 1, "b": {"c": 1, "d": 2}, "e": [1]}
    patched = merge_patch(target, {"a": None, "b": {"c": None, "x": {"y": 1}}, "e": [2]})
    assert patched == {"b": {"d": 2, "x": {"y": 1}}, "e": [2]}
    assert target == {"a": 1, "b": {"c": 1, "d": 2}, "e": [1]}


def test_merge_patch_replaces_scalars_with_objects():
    assert merge_patch({"a": 1}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}


def test_json_patch_operations():
    data = {"a": 1, "list": [1, 2], "obj": {"k": "v"}}
    operations = [
        {"op": "test", "path": "/data/a", "value": 1},
        {"op": "add", "path": "/data/b", "value": 2},
        {"op": "replace", "path": "/data/a", "value": 10},
        {"op": "remove", "path": "/data/obj/k"},
        {"op": "add", "path": "/data/list/-", "value": 3},
        {"op": "add", "path": "/data/list/0", "value": 0},
        {"op": "copy", "from": "/data/b", "path": "/data/c"},
        {"op": "move", "from": "/data/c", "path": "/data/d"},
        {"op": "add", "path": "/data/a~1b", "value": "slash"},
        {"op": "add", "path": "/data/t~0", "value": "tilde"},
    ]
    new_data, permissions = apply_json_patch(data, {}, operations)
    assert new_data == {
        "a": 10,
        "b": 2,
        "d": 2,
        "list": [0, 1, 2, 3],
        "obj": {},
        "a/b": "slash",
        "t~": "tilde",
    }
    assert permissions == {}
    assert data == {"a": 1, "list": [1, 2], "obj": {"k": "v"}}


SECRET_PATH = [("data", "secret")]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "copy", "from": "/data/secret", "path": "/data/x"},
        {"op": "move", "from": "/data/secret/inner", "path": "/data/x"},
        {"op": "copy", "from": "/data", "path": "/data/x"},
        {"op": "move", "from": "", "path": "/data/x"},
        {"op": "test", "path": "/data/secret", "value": 1},
        {"op": "test", "path": "/data", "value": {}},
    ],
)
def test_reads_any_sees_reads_of_a_path_and_of_its_parents(operation):
    assert reads_any([{"op": "add", "path": "/data/y", "value": 1}, operation], SECRET_PATH)


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "replace", "path": "/data/secret", "value": 1}],
        [{"op": "remove", "path": "/data/secret"}],
        [{"op": "add", "path": "/data/secret", "value": 1, "from": "/data/secret"}],
        [{"op": "copy", "from": "/data/secretive", "path": "/data/x"}],
        [{"op": "copy", "from": "/data/x", "path": "/data/secret"}],
        [{"op": "test", "path": "/permissions/read/alice"}],
        [{"op": "copy", "from": "data/secret", "path": "/data/x"}, "not an operation"],
        {"op": "test", "path": "/data/secret"},
        [],
    ],
)
def test_reads_any_ignores_writes_other_paths_and_malformed_operations(operations):
    assert not reads_any(operations, SECRET_PATH)


def test_reads_any_unescapes_pointers():
    assert reads_any([{"op": "copy", "from": "/data/a~1b", "path": "/data/x"}], [("data", "a/b")])


def test_json_patch_on_permissions_treats_principals_as_set_members():
    permissions = {"read": ["alice"], "write": ["bob"]}
    operations = [
        {"op": "add", "path": "/permissions/read/carol"},
        {"op": "add", "path": "/permissions/read/alice"},
        {"op": "remove", "path": "/permissions/write/bob"},
        {"op": "add", "path": "/permissions/write/system.Everyone"},
        {"op": "test", "path": "/permissions/read/carol"},
    ]
    _, patched = apply_json_patch({}, permissions, operations)
    assert patched == {"read": ["alice", "carol"], "write": ["system.Everyone"]}


@pytest.mark.parametrize(
    "operations",
    [
        {"op": "add"},
        ["add"],
        [{"op": "add", "path": "/data/x", "value": 1, "extra": 1}],
        [{"op": "jump", "path": "/data/x"}],
        [{"op": "remove", "path": "/data/missing"}],
        [{"op": "replace", "path": "/data/missing", "value": 1}],
        [{"op": "test", "path": "/data/a", "value": 2}],
        [{"op": "add", "path": "/data/x"}],
        [{"op": "add", "path": "data/x", "value": 1}],
        [{"op": "add", "path": "/other/x", "value": 1}],
        [{"op": "add", "path": "", "value": 1}],
        [{"op": "add", "path": 3, "value": 1}],
        [{"op": "add", "path": "/data/list/9", "value": 1}],
        [{"op": "add", "path": "/data/list/01", "value": 1}],
        [{"op": "add", "path": "/data/a/b", "value": 1}],
        [{"op": "move", "from": "/data/obj", "path": "/data/obj/inner"}],
        [{"op": "replace", "path": "/data", "value": 1}],
        [{"op": "remove", "path": "/permissions"}],
        [{"op": "replace", "path": "/permissions/read/alice"}],
    ],
)
def test_invalid_json_patches(operations):
    with pytest.raises(PatchError):
        apply_json_patch({"a": 1, "list": [1], "obj": {}}, {"read": ["alice"]}, operations)


# Over HTTP -----------------------------------------------------------------------


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def obj(app):
    return create(app, "/mushrooms", {"a": 1, "nested": {"x": 1, "y": 2}, "list": [1]})


def path(obj):
    return f"/mushrooms/{obj['id']}"


def test_json_patch_is_a_shallow_merge(app, obj):
    response = app.patch_json(
        path(obj), {"data": {"nested": {"x": 5}, "a": None, "new": 1}}, headers=BOB
    )
    data = response.json["data"]
    assert data["nested"] == {"x": 5}
    assert data["a"] is None
    assert data["new"] == 1
    assert data["list"] == [1]


def test_merge_patch_is_recursive(app, obj):
    response = app.patch(
        path(obj),
        json.dumps({"data": {"nested": {"x": None, "z": 3}, "a": None}}),
        headers={**BOB, **MERGE},
    )
    data = response.json["data"]
    assert data["nested"] == {"y": 2, "z": 3}
    assert "a" not in data


def test_json_patch_dialect(app, obj):
    operations = [
        {"op": "add", "path": "/data/nested/z", "value": 3},
        {"op": "remove", "path": "/data/a"},
        {"op": "add", "path": "/data/list/-", "value": 2},
    ]
    response = app.patch(path(obj), json.dumps(operations), headers={**BOB, **JSON_PATCH})
    data = response.json["data"]
    assert data["nested"] == {"x": 1, "y": 2, "z": 3}
    assert "a" not in data
    assert data["list"] == [1, 2]
    assert app.get(path(obj), headers=BOB).json["data"] == data


def test_failed_json_patch_is_a_400_and_changes_nothing(app, obj):
    before = storage_state(app)
    operations = [
        {"op": "add", "path": "/data/z", "value": 3},
        {"op": "remove", "path": "/data/missing"},
    ]
    response = app.patch(
        path(obj), json.dumps(operations), headers={**BOB, **JSON_PATCH}, status=400
    )
    assert_formatted_error(response, 400, 107, message="JSON Patch operation failed")
    assert storage_state(app) == before


@pytest.mark.parametrize("body", [{"data": {}}, {"op": "add"}, "text", 3])
def test_json_patch_body_must_be_a_list(app, obj, body):
    response = app.patch(path(obj), json.dumps(body), headers={**BOB, **JSON_PATCH}, status=400)
    assert_formatted_error(response, 400, 107)


def test_json_patch_refuses_unknown_operation_keys(app, obj):
    operations = [{"op": "add", "path": "/data/z", "value": 3, "because": "why not"}]
    app.patch(path(obj), json.dumps(operations), headers={**BOB, **JSON_PATCH}, status=400)


def test_json_patch_on_permissions(app, obj):
    operations = [
        {"op": "add", "path": "/permissions/read/system.Everyone"},
        {"op": "add", "path": "/permissions/read/alice"},
    ]
    response = app.patch(path(obj), json.dumps(operations), headers={**BOB, **JSON_PATCH})
    assert response.json["permissions"]["read"] == ["alice", "system.Everyone"]
    operations = [{"op": "remove", "path": "/permissions/read/alice"}]
    response = app.patch(path(obj), json.dumps(operations), headers={**BOB, **JSON_PATCH})
    assert response.json["permissions"]["read"] == ["system.Everyone"]


def test_json_patch_on_an_unknown_permission_is_a_400(app, obj):
    operations = [{"op": "add", "path": "/permissions/admin/alice"}]
    response = app.patch(
        path(obj), json.dumps(operations), headers={**BOB, **JSON_PATCH}, status=400
    )
    assert_formatted_error(response, 400, 107, message="is not one of read, write")


def test_json_dialect_replaces_given_aces_only(app, obj):
    app.patch_json(path(obj), {"permissions": {"read": ["alice", "carol"]}}, headers=BOB)
    response = app.patch_json(
        path(obj), {"permissions": {"read": ["dave"], "write": None}}, headers=BOB
    )
    permissions = response.json["permissions"]
    assert permissions["read"] == ["dave"]
    assert len(permissions["write"]) == 1  # the writer, untouched


def test_merge_dialect_null_removes_an_ace(app, obj):
    app.patch_json(path(obj), {"permissions": {"read": ["alice"]}}, headers=BOB)
    response = app.patch(
        path(obj), json.dumps({"permissions": {"read": None}}), headers={**BOB, **MERGE}
    )
    assert "read" not in response.json["permissions"]
    assert response.json["data"]["a"] == 1


def test_patch_result_is_validated_against_the_schema(app):
    spore = create(app, "/spores", {"name": "s", "size": 1})
    response = app.patch_json(
        f"/spores/{spore['id']}", {"data": {"size": "big"}}, headers=BOB, status=400
    )
    assert_formatted_error(response, 400, 107, message="size")
    assert app.get(f"/spores/{spore['id']}", headers=BOB).json["data"]["size"] == 1


def test_merge_patch_removing_a_required_field_is_a_400(app):
    moisture = create(app, "/moistures", {"name": "m"})
    response = app.patch(
        f"/moistures/{moisture['id']}",
        json.dumps({"data": {"name": None}}),
        headers={**BOB, **MERGE},
        status=400,
    )
    assert_formatted_error(response, 400, 107, message="name")


def test_patch_with_another_id_in_the_body_keeps_the_url_id(app, obj):
    other = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.patch_json(path(obj), {"data": {"id": other}}, headers=BOB)
    assert response.json["data"]["id"] == obj["id"]
    app.get(f"/mushrooms/{other}", headers=BOB, status=404)


def test_patch_keeps_a_newer_client_timestamp_and_ignores_older_ones(app, obj):
    newer = obj["last_modified"] + 10_000
    response = app.patch_json(path(obj), {"data": {"last_modified": newer}}, headers=BOB)
    assert response.json["data"]["last_modified"] == newer
    response = app.patch_json(path(obj), {"data": {"last_modified": 1}}, headers=BOB)
    assert response.json["data"]["last_modified"] > newer


# Response-Behavior ----------------------------------------------------------------


def test_response_behavior_full_is_the_default(app, obj):
    response = app.patch_json(path(obj), {"data": {"b": 2}}, headers=BOB)
    assert set(response.json["data"]) == {"id", "last_modified", "a", "b", "nested", "list"}
    response = app.patch_json(
        path(obj), {"data": {"b": 3}}, headers={**BOB, "Response-Behavior": "full"}
    )
    assert response.json["data"]["a"] == 1


def test_response_behavior_light_answers_changed_fields(app, obj):
    response = app.patch_json(
        path(obj), {"data": {"a": 1, "b": 2}}, headers={**BOB, "Response-Behavior": "light"}
    )
    assert response.json["data"] == {"b": 2}
    stored = app.get(path(obj), headers=BOB).json["data"]
    assert response.headers["ETag"] == f'"{stored["last_modified"]}"'


def test_response_behavior_diff_answers_server_side_alterations():
    app = make_app()
    psilo = create(app, "/psilos", {"title": "t", "weight": 1})
    response = app.patch_json(
        f"/psilos/{psilo['id']}",
        {"data": {"weight": "2", "title": "u"}},
        headers={**BOB, "Response-Behavior": "diff"},
    )
    # The schema turned "2" into 2; the title was stored as sent.
    assert response.json["data"] == {"weight": 2}


def test_response_behavior_with_merge_patch_removal(app, obj):
    response = app.patch(
        path(obj),
        json.dumps({"data": {"a": None, "b": 1}}),
        headers={**BOB, **MERGE, "Response-Behavior": "light"},
    )
    assert response.json["data"] == {"b": 1}


def test_response_behavior_light_with_json_patch(app, obj):
    operations = [{"op": "add", "path": "/data/b", "value": 2}]
    response = app.patch(
        path(obj),
        json.dumps(operations),
        headers={**BOB, **JSON_PATCH, "Response-Behavior": "light"},
    )
    assert response.json["data"] == {"b": 2}


def test_invalid_response_behavior_is_a_400(app, obj):
    before = storage_state(app)
    response = app.patch_json(
        path(obj), {"data": {"b": 2}}, headers={**BOB, "Response-Behavior": "brief"}, status=400
    )
    assert_formatted_error(response, 400, 107, message="Response-Behavior")
    assert storage_state(app) == before


def test_unknown_patch_content_type_is_a_415(app, obj):
    response = app.patch(
        path(obj), '{"data": {}}', headers={**BOB, "Content-Type": "text/plain"}, status=415
    )
    assert_formatted_error(response, 415, 107)


def test_json_patch_on_permissions_of_an_unshareable_resource_is_400(app):
    toadstool = create(app, "/toadstools", {"a": 1})
    operations = [{"op": "add", "path": "/permissions/read/system.Everyone"}]
    response = app.patch(
        f"/toadstools/{toadstool['id']}",
        json.dumps(operations),
        headers={**BOB, **JSON_PATCH},
        status=400,
    )
    assert_formatted_error(response, 400, 107)
    assert "no permissions" in response.json["message"]
