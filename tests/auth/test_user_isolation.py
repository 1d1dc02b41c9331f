"""UserResource isolation: nothing of Alice's reaches Bob, by any route, header or token."""

from __future__ import annotations

import time

import pytest
import webtest

from strato.testing import assert_formatted_error, get_user_headers

from .testapp import headers, make_app

ALICE, BOB = headers("alice"), headers("bob")
UNKNOWN = "6f1c6a52-4c7d-4f7e-9a0e-0a3d2b5c8e41"


@pytest.fixture
def app() -> webtest.TestApp:
    return make_app()


@pytest.fixture
def alices(app: webtest.TestApp) -> list[str]:
    return [
        app.post_json("/memos", {"data": {"n": n, "secret": "alice"}}, headers=ALICE).json["data"][
            "id"
        ]
        for n in range(3)
    ]


def alice_sees(app: webtest.TestApp) -> list[dict[str, object]]:
    return app.get("/memos", headers=ALICE).json["data"]  # type: ignore[no-any-return]


def test_a_token_from_alices_listing_gives_bob_nothing(
    app: webtest.TestApp, alices: list[str]
) -> None:
    first = app.get("/memos?_limit=1", headers=ALICE)
    next_page = first.headers["Next-Page"]
    response = app.get(next_page, headers=BOB, expect_errors=True)
    assert_formatted_error(response, 400, 107)
    assert "alice" not in response.text
    for object_id in alices:
        assert object_id not in response.text


def test_a_token_from_alices_plural_delete_is_useless_to_bob(
    app: webtest.TestApp, alices: list[str]
) -> None:
    app.post_json("/memos", {"data": {}}, headers=BOB)
    first = app.delete("/memos?_limit=1", headers=ALICE)
    response = app.delete(first.headers["Next-Page"], headers=BOB, expect_errors=True)
    assert response.status_int == 400
    assert len(alice_sees(app)) == 2


@pytest.mark.parametrize(
    "query",
    [
        "id={id}",
        "in_id={id}",
        "_since=0",
        "_before={now}",
        "secret=alice",
        "has_secret=true",
        "_sort=-last_modified&_limit=50",
    ],
)
def test_bobs_queries_never_match_alices_objects(
    app: webtest.TestApp, alices: list[str], query: str
) -> None:
    url = "/memos?" + query.format(id=alices[0], now=int(time.time() * 1000) + 1000)
    assert app.get(url, headers=BOB).json["data"] == []
    assert app.head(url, headers=BOB).headers["Total-Objects"] == "0"
    assert app.delete(url, headers=BOB).json["data"] == []
    assert len(alice_sees(app)) == 3


def test_alices_tombstones_are_not_bobs(app: webtest.TestApp, alices: list[str]) -> None:
    app.delete(f"/memos/{alices[0]}", headers=ALICE)
    assert app.get("/memos?_since=0", headers=BOB).json["data"] == []


def test_bobs_list_timestamp_ignores_alices_writes(
    app: webtest.TestApp, alices: list[str]
) -> None:
    before = app.get("/memos", headers=BOB).headers["ETag"]
    app.post_json("/memos", {"data": {}}, headers=ALICE)
    app.delete(f"/memos/{alices[1]}", headers=ALICE)
    assert app.get("/memos", headers=BOB).headers["ETag"] == before


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("get", {}),
        ("get", {"If-None-Match": '"1"'}),
        ("delete", {}),
        ("delete", {"If-Match": '"1"'}),
        ("patch", {}),
        ("put", {"If-Match": '"1"'}),
        ("put", {"If-None-Match": "*"}),
    ],
)
def test_bob_cannot_tell_whether_alices_ids_exist(
    app: webtest.TestApp, alices: list[str], method: str, extra: dict[str, str]
) -> None:
    def attempt(object_id: str) -> tuple[int, object]:
        kwargs: dict[str, object] = {"headers": {**BOB, **extra}, "expect_errors": True}
        if method in ("put", "patch"):
            response = getattr(app, f"{method}_json")(
                f"/memos/{object_id}", {"data": {"x": 1}}, **kwargs
            )
        else:
            response = getattr(app, method)(f"/memos/{object_id}", **kwargs)
        body = response.json if response.body else None
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in ("details", "data")}
        return response.status_int, body

    assert attempt(alices[0]) == attempt(UNKNOWN)
    assert [m["secret"] for m in alice_sees(app)] == ["alice"] * 3


def test_batch_subrequests_are_isolated_too(app: webtest.TestApp, alices: list[str]) -> None:
    target = f"/memos/{alices[0]}"
    requests = [
        {"method": "GET", "path": target},
        {"method": "PATCH", "path": target, "body": {"data": {"secret": "bob"}}},
        {"method": "DELETE", "path": target},
        {"method": "GET", "path": "/memos"},
        {"method": "DELETE", "path": "/memos"},
    ]
    responses = app.post_json("/batch", {"requests": requests}, headers=BOB).json["responses"]
    assert [r["status"] for r in responses] == [404, 404, 404, 200, 200]
    assert responses[3]["body"]["data"] == []
    assert responses[4]["body"]["data"] == []
    assert [m["secret"] for m in alice_sees(app)] == ["alice"] * 3


def test_a_subrequest_with_other_credentials_is_that_user(
    app: webtest.TestApp, alices: list[str]
) -> None:
    requests = [
        {"method": "GET", "path": "/memos"},
        {"method": "GET", "path": "/memos", "headers": BOB},
    ]
    responses = app.post_json("/batch", {"requests": requests}, headers=ALICE).json["responses"]
    assert len(responses[0]["body"]["data"]) == 3
    assert responses[1]["body"]["data"] == []


def test_anonymous_batches_get_401_per_subrequest(app: webtest.TestApp) -> None:
    requests = [{"method": "GET", "path": "/memos"}, {"method": "POST", "path": "/memos"}]
    responses = app.post_json("/batch", {"requests": requests}).json["responses"]
    assert [r["status"] for r in responses] == [401, 401]
    assert responses[0]["body"]["errno"] == 104


@pytest.mark.parametrize(
    "spoof",
    [
        {"X-Forwarded-User": "alice"},
        {"Remote-User": "alice"},
        {"X-Remote-User": "alice"},
        {"X-User-Id": "basicauth:0000"},
        {"Authorization": "Bearer alice"},
    ],
)
def test_identity_headers_other_than_basic_auth_identify_nobody(
    app: webtest.TestApp, alices: list[str], spoof: dict[str, str]
) -> None:
    response = app.get("/memos", headers=spoof, status=401)
    assert_formatted_error(response, 401, 104)


def test_remote_user_in_the_environ_identifies_nobody(app: webtest.TestApp) -> None:
    app.get("/memos", extra_environ={"REMOTE_USER": "alice"}, status=401)


def test_bobs_put_on_alices_id_creates_bobs_own(app: webtest.TestApp, alices: list[str]) -> None:
    app.put_json(f"/memos/{alices[0]}", {"data": {"secret": "bob"}}, headers=BOB, status=201)
    assert app.get(f"/memos/{alices[0]}", headers=ALICE).json["data"]["secret"] == "alice"
    assert app.get(f"/memos/{alices[0]}", headers=BOB).json["data"]["secret"] == "bob"
    app.delete(f"/memos/{alices[0]}", headers=BOB)
    assert app.get(f"/memos/{alices[0]}", headers=ALICE).json["data"]["secret"] == "alice"


def test_objects_are_scoped_by_the_full_user_id(app: webtest.TestApp) -> None:
    # Same user name, another password: another user.
    app.post_json("/memos", {"data": {}}, headers=get_user_headers("alice", "other"))
    assert app.get("/memos", headers=ALICE).json["data"] == []
