"""Hostile input: malformed credentials, bad principals, leaking secrets."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request

from strato.authentication import MAX_AUTHORIZATION_LENGTH
from strato.service import Service
from strato.testing import assert_formatted_error, make_webtest

from .testapp import BASE_SETTINGS, headers, includeme, make_app


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


MALFORMED = {
    "no colon": "Basic " + b64(b"alicesecret"),
    "empty user": "Basic " + b64(b":secret"),
    "bad base64": "Basic !!!not-base64!!!",
    "truncated base64": "Basic " + b64(b"alice:secret")[:-3],
    "base64 with spaces inside": "Basic YWxp Y2U6c2VjcmV0",
    "10 kB value": "Basic " + b64(b"alice:" + b"x" * 10_000),
    "just over the limit": "Basic " + "A" * (MAX_AUTHORIZATION_LENGTH - 5),
    "non-UTF-8 after decoding": "Basic " + b64(b"\xff\xfe:\xc3\x28"),
    "non-ASCII header bytes": "Basic \xff\xfe\xfd",
    "Basic alone": "Basic",
    "Basic and spaces": "Basic    ",
    "other scheme": "Bearer abc.def.ghi",
    "digest": 'Digest username="alice", realm="Realm"',
    "scheme only with colon": "Basic:alice:secret",
    "tab separator": "Basic\t" + b64(b"alice:secret"),
    "empty": "",
}


@pytest.fixture(scope="module")
def app() -> webtest.TestApp:
    return make_app()


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("path", ["/articles", "/memos", "/private-area"])
def test_malformed_authorization_is_401_where_auth_is_required(
    app: webtest.TestApp, value: str, path: str
) -> None:
    response = app.get(path, headers={"Authorization": value}, status=401)
    assert_formatted_error(response, 401, 104, "Unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Realm"'


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_authorization_is_anonymous_elsewhere(app: webtest.TestApp, value: str) -> None:
    body = app.get("/", headers={"Authorization": value}).json
    assert "user" not in body


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_authorization_in_a_batch_subrequest(app: webtest.TestApp, value: str) -> None:
    requests = [{"method": "GET", "path": "/memos", "headers": {"Authorization": value}}]
    response = app.post_json("/batch", {"requests": requests})
    assert [r["status"] for r in response.json["responses"]] == [401]


def test_the_longest_accepted_header_still_identifies(app: webtest.TestApp) -> None:
    user = "u" * 6000
    value = "Basic " + b64(f"{user}:pw".encode())
    assert len(value) <= MAX_AUTHORIZATION_LENGTH
    assert app.get("/", headers={"Authorization": value}).json["user"]["id"]


def test_scheme_is_case_insensitive(app: webtest.TestApp) -> None:
    value = "bAsIc " + b64(b"alice:secret")
    assert app.get("/", headers={"Authorization": value}).json["user"]["id"]


# Principals in permission bodies ------------------------------------------------------


@pytest.mark.parametrize(
    ("principals", "shown"),
    [
        ([""], "''"),
        (["x" * 257], "'xxxx"),
        ([123], "123"),
        ([None], "None"),
        ([["nested"]], "['nested']"),
        ([{"a": 1}], "{'a': 1}"),
    ],
)
def test_bad_principals_are_400_naming_them(
    app: webtest.TestApp, principals: list[Any], shown: str
) -> None:
    body = {"data": {}, "permissions": {"read": principals}}
    response = app.post_json("/articles", body, headers=headers("alice"), status=400)
    assert_formatted_error(response, 400, 107, message="Invalid principal")
    assert shown in response.json["message"]
    assert response.json["details"][0]["name"] == "permissions.read"


@pytest.mark.parametrize("value", ["system.Everyone", {"read": 1}, 12, True])
def test_permission_values_must_be_lists(app: webtest.TestApp, value: Any) -> None:
    body = {"data": {}, "permissions": {"write": value}}
    response = app.post_json("/articles", body, headers=headers("alice"), status=400)
    assert response.json["details"][0]["name"] == "permissions.write"


def test_permissions_must_be_an_object(app: webtest.TestApp) -> None:
    body = {"data": {}, "permissions": ["read"]}
    app.post_json("/articles", body, headers=headers("alice"), status=400)


def test_bad_principals_are_refused_by_every_write(app: webtest.TestApp) -> None:
    created = app.post_json("/articles", {"data": {}}, headers=headers("alice")).json
    uri = f"/articles/{created['data']['id']}"
    bad = {"permissions": {"write": [""]}}
    app.put_json(uri, bad, headers=headers("alice"), status=400)
    app.patch_json(uri, bad, headers=headers("alice"), status=400)
    json_patch = [{"op": "add", "path": "/permissions/read/" + "x" * 300}]
    app.patch_json(
        uri,
        json_patch,
        headers={**headers("alice"), "Content-Type": "application/json-patch+json"},
        status=400,
    )


def test_a_long_principal_within_bounds_is_accepted(app: webtest.TestApp) -> None:
    body = {"data": {}, "permissions": {"read": ["g:" + "x" * 254]}}
    app.post_json("/articles", body, headers=headers("alice"), status=201)


def test_deeply_nested_post_bodies_are_not_500(app: webtest.TestApp) -> None:
    body = '{"data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = app.post(
        "/articles",
        body,
        headers={**headers("alice"), "Content-Type": "application/json"},
        expect_errors=True,
    )
    assert response.status_int == 400


# Secrets never leak ---------------------------------------------------------------------

HMAC_SECRET = "hmac-Secret-value-7f3a9c"
PASSWORD = "hunter2-Pa55word-e81b"
TOKEN = b64(f"mallory:{PASSWORD}".encode())

boom = Service(name="boom", path="/boom")


@boom.get(permission="private")
def get_boom(request: Request) -> Any:
    raise RuntimeError("exploded")


def with_boom(config: Configurator) -> None:
    includeme(config)
    config.add_cornice_service(boom)


def test_secrets_never_appear_in_logs_or_responses(caplog: pytest.LogCaptureFixture) -> None:
    app = make_webtest(with_boom, {**BASE_SETTINGS, "userid_hmac_secret": HMAC_SECRET})
    caplog.set_level(logging.DEBUG)
    auth = {"Authorization": f"Basic {TOKEN}"}
    responses = [
        app.get("/", headers=auth),
        app.get("/articles", headers=auth),
        app.post_json("/articles", {"data": {}}, headers=auth),
        app.get("/articles/4b1e8b0e-2c1f-4a8e-9a53-1d1c0f9e3c11", headers=auth, status=404),
        app.post_json("/articles", {"data": 1}, headers=auth, expect_errors=True),
        app.get("/articles", headers={"Authorization": f"Basic {TOKEN}="}, expect_errors=True),
        app.post_json("/batch", {"requests": [{"path": "/memos"}]}, headers=auth),
        app.get("/boom", headers=auth, expect_errors=True),
        app.get("/__api__", headers=auth, expect_errors=True),
    ]
    assert responses[-2].status_int == 500
    forbidden = (HMAC_SECRET, PASSWORD, TOKEN, TOKEN[:-4])
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''} {r.__dict__}" for r in caplog.records
    )
    assert caplog.records
    for secret in forbidden:
        assert secret not in logged
    for response in responses:
        text = response.body.decode("utf-8", "replace") + repr(response.headerlist)
        for secret in forbidden:
            assert secret not in text


def test_a_wildcard_parent_cannot_reach_other_collections_acls() -> None:
    """``*`` in a parent placeholder would be a wildcard in ACL deletions."""
    app = make_app({"doc_create_principals": "system.Authenticated"})
    doc = "/folders/f/docs/3b6c1e0a-8f5e-4f5e-9c1e-2f6d7a9b0c11"
    app.put_json(
        doc, {"data": {}, "permissions": {"read": ["system.Everyone"]}}, headers=headers("bob")
    )
    hostile = "/folders/*/docs/3b6c1e0a-8f5e-4f5e-9c1e-2f6d7a9b0c11"
    for method in ("put_json", "delete"):
        call = getattr(app, method)
        kwargs: dict[str, Any] = {"params": {"data": {}}} if method == "put_json" else {}
        response = call(hostile, headers=headers("mallory"), status=404, **kwargs)
        assert_formatted_error(response, 404, 111)
    assert app.get(doc, headers=headers("alice")).json["data"]["id"] in doc
