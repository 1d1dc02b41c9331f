"""``POST /batch``: validation, per-subrequest answers and transaction outcomes."""

from __future__ import annotations

import pytest

from strato.components import get_components
from strato.testing import assert_formatted_error, make_webtest

IDS = [f"0000000{i}-aaaa-4bbb-8ccc-dddddddddddd" for i in range(10)]


@pytest.fixture
def app():
    return make_webtest("tests.views.batch_app", {"multiauth.policies": "basicauth"})


def stored_ids(app):
    storage = get_components(app.app.registry).storage
    return {o["id"] for o in storage.list_all("item", "")}


def put(i, **data):
    return {
        "method": "PUT",
        "path": f"/items/{IDS[i]}",
        "body": {"data": {"name": str(i), **data}},
    }


def test_responses_in_order_with_status_path_headers_body(app):
    body = {
        "requests": [
            put(0),
            {"method": "GET", "path": f"/items/{IDS[0]}"},
            {"method": "HEAD", "path": "/items"},
            {"path": "/unknown"},
        ]
    }
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 200, 200, 404]
    assert responses[0]["path"] == f"/v1/items/{IDS[0]}"
    assert responses[1]["body"]["data"]["name"] == "0"
    assert responses[1]["headers"]["ETag"]
    assert responses[2]["body"] == ""
    assert responses[3]["body"]["errno"] == 111


def test_defaults_are_merged_without_overwriting(app):
    body = {
        "defaults": {"method": "PUT", "body": {"data": {"name": "default"}}},
        "requests": [
            {"path": f"/items/{IDS[0]}"},
            {"path": f"/items/{IDS[1]}", "body": {"data": {"name": "own"}}},
        ],
    }
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["body"]["data"]["name"] for r in responses] == ["default", "own"]


def test_unprefixed_and_prefixed_paths_both_work(app):
    body = {"requests": [{"path": "/v1/items"}, {"path": "/items?_limit=1"}]}
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [200, 200]
    assert responses[1]["path"] == "/v1/items"


def test_trailing_slash_redirects_are_followed(app):
    responses = app.post_json("/batch", {"requests": [{"path": "/items/"}]}).json["responses"]
    assert responses[0]["status"] == 200


def test_client_errors_keep_earlier_writes(app):
    body = {"requests": [put(0), {"method": "PUT", "path": "/items/bad id", "body": {}}, put(1)]}
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 400, 201]
    assert stored_ids(app) == {IDS[0], IDS[1]}


def test_conflict_reports_earlier_writes_as_rolled_back(app):
    body = {"requests": [put(0), put(1), put(2, conflict=True), put(3)]}
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [409, 409, 409, 201]
    for rolled_back in responses[:2]:
        assert rolled_back["body"]["errno"] == 122
        assert "subrequest 2" in rolled_back["body"]["message"]
        assert rolled_back["headers"]["Retry-After"]
    # Every entry answered 2xx is stored.
    acknowledged = {IDS[i] for i, r in enumerate(responses) if 200 <= r["status"] < 300}
    assert acknowledged <= stored_ids(app)


def test_server_error_fails_the_whole_batch(app):
    body = {"requests": [put(0), put(1, crash=True)]}
    response = app.post_json("/batch", body, status=500)
    assert_formatted_error(response, 500, 999)


def test_atomic_batch_stops_at_first_failure(app):
    body = {
        "atomic": True,
        "requests": [put(0), {"method": "PUT", "path": "/items/bad id", "body": {}}, put(1)],
    }
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [409, 400, 424]
    assert "subrequest 1" in responses[0]["body"]["message"]


def test_atomic_capability_is_advertised(app):
    assert "batch_atomic" in app.get("/").json["capabilities"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"requests": "nope"},
        {"requests": [{"path": "/items"}], "unknown": 1},
        {"requests": [{"path": "http://evil.example/items"}]},
        {"requests": [{"path": "//evil.example/items"}]},
        {"requests": [{"path": "/items/../batch"}]},
        {"requests": [{"path": "/batch"}]},
        {"requests": [{"path": "/v1/batch"}]},
        {"requests": [{"method": "get", "path": "/items"}]},
        {"requests": [{"method": "CONNECT", "path": "/items"}]},
        {"requests": [{"path": "/items", "headers": {"X": 1}}]},
        {"requests": [{"path": "/items", "body": "text"}]},
        {"requests": [{"path": "/items", "extra": True}]},
        {"requests": [{"path": "/items"}] * 26},
        {"requests": [{"path": "/items"}] * 10000},
        {"requests": [{}]},
        {"defaults": [], "requests": []},
        {"atomic": "yes", "requests": []},
    ],
)
def test_bad_batch_bodies_are_400(app, body):
    response = app.post_json("/batch", body, status=400)
    assert_formatted_error(response, 400, 107)
    assert stored_ids(app) == set()


def test_recursive_batch_is_refused_by_message(app):
    response = app.post_json("/batch", {"requests": [{"path": "/batch"}]}, status=400)
    assert "Recursive call on /batch endpoint is forbidden." in response.json["message"]


def test_batch_limit_message(app):
    response = app.post_json("/batch", {"requests": [{"path": "/items"}] * 26}, status=400)
    assert "Number of requests is limited to 25" in response.json["message"]


def test_invalid_json_and_content_type(app):
    response = app.post(
        "/batch", "{not json", headers={"Content-Type": "application/json"}, status=400
    )
    assert_formatted_error(response, 400, 107)
    response = app.post("/batch", "x=1", headers={"Content-Type": "text/plain"}, status=415)
    assert_formatted_error(response, 415, 107)


def test_only_post_is_allowed(app):
    response = app.get("/batch", status=405)
    assert_formatted_error(response, 405, 115)


def test_readonly_mode_refuses_batch():
    app = make_webtest("tests.views.batch_app", {"readonly": "true"})
    response = app.post_json("/batch", {"requests": []}, status=405)
    assert_formatted_error(response, 405, 115)


def test_events_are_merged_per_resource_and_action(app):
    from strato.events import ResourceChanged

    received = []
    app.app.registry.registerHandler(received.append, (ResourceChanged,))
    app.post_json("/batch", {"requests": [put(0), put(1), put(2)]})
    creates = [e for e in received if e.payload["action"] == "create"]
    assert len(creates) == 1
    assert len(creates[0].impacted_objects) == 3


def test_subrequests_share_the_authentication(app):
    headers = {"Authorization": "Basic " + "dXNlcjpwYXNz"}
    body = {"requests": [{"path": "/"}]}
    responses = app.post_json("/batch", body, headers=headers).json["responses"]
    assert responses[0]["body"]["user"]["id"].startswith("basicauth:")


def test_huge_batch_bodies_are_413():
    app = make_webtest("tests.views.batch_app", {"batch_max_body_bytes": "1000"})
    body = {"requests": [{"path": "/items", "body": {"data": {"name": "x" * 2000}}}]}
    response = app.post_json("/batch", body, status=413)
    assert_formatted_error(response, 413, 113)
    assert stored_ids(app) == set()
