"""``_limit``/``_token`` pagination and its signed tokens (PROTOCOL §5.8)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from urllib.parse import parse_qsl, urlparse

import pytest

from strato.resource.pagination import TokenError, TokenSigner, position_of
from strato.storage import Sort
from strato.testing import assert_formatted_error

from .testapp import ALICE, BOB, create, make_app


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Tokens ----------------------------------------------------------------------


def test_token_roundtrip():
    signer = TokenSigner("secret", 600)
    token, nonce = signer.encode({"n": 1, "id": "a"}, "query-1")
    assert signer.decode(token, "query-1") == ({"n": 1, "id": "a"}, nonce)
    assert nonce.startswith("pagination-token-")


def test_tokens_are_unique():
    signer = TokenSigner("secret", 600)
    assert signer.encode({}, "q")[0] != signer.encode({}, "q")[0]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],
        lambda t: t[: len(t) // 2],
        lambda t: t.replace(".", ""),
        lambda t: t + ".x",
        lambda t: "A" + t,
        lambda t: "",
        lambda t: "!!!.???",
        lambda t: "x" * 20000,
    ],
)
def test_mangled_tokens_are_refused(mangle):
    signer = TokenSigner("secret", 600)
    token, _ = signer.encode({"n": 1}, "q")
    with pytest.raises(TokenError):
        signer.decode(mangle(token), "q")


def test_forged_position_is_refused():
    signer = TokenSigner("secret", 600)
    token, _ = signer.encode({"n": 1}, "q")
    body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["last_object"] = {"n": 1000}
    forged = _b64(json.dumps(payload).encode()) + "." + signature
    with pytest.raises(TokenError, match="invalid content"):
        signer.decode(forged, "q")


def test_token_signed_with_another_secret_is_refused():
    token, _ = TokenSigner("secret", 600).encode({"n": 1}, "q")
    with pytest.raises(TokenError):
        TokenSigner("other", 600).decode(token, "q")


@pytest.mark.parametrize("payload", [[], {"last_object": 3}, {"nothing": 1}, "text"])
def test_signed_token_of_the_wrong_shape_is_refused(payload):
    raw = json.dumps(payload).encode()
    signature = _b64(hmac.new(b"secret", raw, hashlib.sha256).digest())
    with pytest.raises(TokenError, match="invalid content"):
        TokenSigner("secret", 600).decode(f"{_b64(raw)}.{signature}", "q")


def test_token_of_another_query_is_refused():
    signer = TokenSigner("secret", 600)
    token, _ = signer.encode({"n": 1}, "q1")
    with pytest.raises(TokenError, match="does not match"):
        signer.decode(token, "q2")


def test_expired_token_is_refused(monkeypatch):
    signer = TokenSigner("secret", 60)
    token, _ = signer.encode({"n": 1}, "q")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 59)
    signer.decode(token, "q")
    monkeypatch.setattr(time, "time", lambda: now + 61)
    with pytest.raises(TokenError, match="expired"):
        signer.decode(token, "q")


# Pages over HTTP -------------------------------------------------------------


@pytest.fixture
def app():
    return make_app()


def fill(app, count, path="/toadstools", headers=BOB):
    return [create(app, path, {"n": n}, headers=headers) for n in range(count)]


def follow(app, url, headers=BOB, method="get"):
    """Follow Next-Page links from ``url``; return the pages' objects."""
    pages = []
    for _ in range(100):
        if not url:
            break
        response = getattr(app, method)(url.replace("http://localhost", ""), headers=headers)
        pages.append(response.json["data"])
        url = response.headers.get("Next-Page")
    return pages


def test_limit_and_next_page(app):
    objects = fill(app, 5)
    response = app.get("/toadstools?_limit=2&_sort=n&gt_n=-1&_expected=x", headers=BOB)
    assert [o["n"] for o in response.json["data"]] == [0, 1]
    next_page = urlparse(response.headers["Next-Page"])
    assert f"{next_page.scheme}://{next_page.netloc}" == "http://localhost"
    assert next_page.path == "/v0/toadstools"
    params = dict(parse_qsl(next_page.query))
    assert params["_limit"] == "2"
    assert params["_sort"] == "n"
    assert params["gt_n"] == "-1"
    assert params["_expected"] == "x"
    assert "_token" in params

    pages = [response.json["data"], *follow(app, response.headers["Next-Page"])]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [o["id"] for p in pages for o in p] == [o["id"] for o in objects]


def test_no_next_page_on_the_last_page(app):
    fill(app, 2)
    assert "Next-Page" not in app.get("/toadstools?_limit=2", headers=BOB).headers
    assert "Next-Page" not in app.get("/toadstools?_limit=3", headers=BOB).headers
    assert "Next-Page" not in app.get("/toadstools", headers=BOB).headers


def test_next_page_honours_the_configured_host_and_scheme():
    app = make_app({"http_host": "api.example.com", "http_scheme": "https"})
    fill(app, 2)
    response = app.get("/toadstools?_limit=1", headers=BOB)
    assert response.headers["Next-Page"].startswith("https://api.example.com/v0/toadstools?")


def test_next_page_of_a_nested_resource():
    app = make_app()
    for n in range(2):
        create(app, "/garden/g1/plants", {"n": n})
    response = app.get("/garden/g1/plants?_limit=1")
    assert urlparse(response.headers["Next-Page"]).path == "/v0/garden/g1/plants"
    assert sum(len(p) for p in follow(app, response.headers["Next-Page"], headers={})) == 1


def test_paginate_by_is_the_default_and_the_maximum():
    app = make_app({"paginate_by": "2"})
    fill(app, 5)
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 2
    assert len(app.get("/toadstools?_limit=4", headers=BOB).json["data"]) == 2
    assert len(app.get("/toadstools?_limit=1", headers=BOB).json["data"]) == 1
    response = app.get("/toadstools?_limit=4", headers=BOB)
    assert dict(parse_qsl(urlparse(response.headers["Next-Page"]).query))["_limit"] == "2"
    pages = follow(app, "/toadstools")
    assert [len(p) for p in pages] == [2, 2, 1]


def test_storage_max_fetch_size_caps_every_page():
    app = make_app({"storage_max_fetch_size": "3"})
    objects = fill(app, 7)
    for query in ("", "?_limit=0", "?_limit=100"):
        response = app.get(f"/toadstools{query}", headers=BOB)
        assert len(response.json["data"]) == 3
        # More objects exist: the client must be told.
        assert "Next-Page" in response.headers
    pages = follow(app, "/toadstools")
    seen = [o["id"] for p in pages for o in p]
    assert sorted(seen) == sorted(o["id"] for o in objects)


def test_limit_zero_means_as_many_as_allowed(app):
    fill(app, 4)
    response = app.get("/toadstools?_limit=0", headers=BOB)
    assert len(response.json["data"]) == 4
    assert "Next-Page" not in response.headers


def test_head_ignores_limit_and_token(app):
    fill(app, 4)
    first = app.get("/toadstools?_limit=1", headers=BOB)
    url = first.headers["Next-Page"].replace("http://localhost", "")
    response = app.head(url, headers=BOB)
    assert response.headers["Total-Objects"] == "4"
    assert "Next-Page" not in response.headers


@pytest.mark.parametrize("token", ["abc", "", "e30.e30", "%%%", "a.b.c"])
def test_garbage_token_is_a_400(app, token):
    fill(app, 2)
    response = app.get(f"/toadstools?_token={token}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_token")
    assert response.json["details"][0]["location"] == "querystring"


def _next_page_params(app, url, headers=BOB):
    response = app.get(url, headers=headers)
    return dict(parse_qsl(urlparse(response.headers["Next-Page"]).query))


def test_truncated_token_is_a_400(app):
    fill(app, 3)
    params = _next_page_params(app, "/toadstools?_limit=1")
    token = params["_token"]
    response = app.get(f"/toadstools?_limit=1&_token={token[:-3]}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_token has invalid content")


def test_forged_token_is_a_400(app):
    fill(app, 3)
    token = _next_page_params(app, "/toadstools?_limit=1")["_token"]
    body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["last_object"]["last_modified"] = 1
    forged = _b64(json.dumps(payload).encode()) + "." + signature
    response = app.get(f"/toadstools?_limit=1&_token={forged}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_token has invalid content")


def test_expired_token_is_a_400(monkeypatch):
    app = make_app({"pagination_token_validity_seconds": "5"})
    fill(app, 3)
    token = _next_page_params(app, "/toadstools?_limit=1")["_token"]
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 4)
    app.get(f"/toadstools?_limit=1&_token={token}", headers=BOB, status=200)
    monkeypatch.setattr(time, "time", lambda: now + 6)
    response = app.get(f"/toadstools?_limit=1&_token={token}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="expired")


@pytest.mark.parametrize(
    "other_query",
    ["_limit=1&_sort=-n", "_limit=1&_sort=n&n=1", "_limit=1&_sort=n&_since=1", "_limit=1"],
)
def test_token_of_another_query_is_a_400(app, other_query):
    fill(app, 3)
    token = _next_page_params(app, "/toadstools?_limit=1&_sort=n")["_token"]
    response = app.get(f"/toadstools?{other_query}&_token={token}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_token")


def test_token_of_another_collection_is_a_400(app):
    fill(app, 3, path="/notes", headers=BOB)
    fill(app, 3, path="/notes", headers=ALICE)
    token = _next_page_params(app, "/notes?_limit=1")["_token"]
    app.get(f"/notes?_limit=1&_token={token}", headers=BOB, status=200)
    response = app.get(f"/notes?_limit=1&_token={token}", headers=ALICE, status=400)
    assert_formatted_error(response, 400, 107)
    fill(app, 3, path="/labels")
    app.get(f"/labels?_limit=1&_token={token}", headers=BOB, status=400)


def test_limit_may_change_between_pages(app):
    fill(app, 5)
    token = _next_page_params(app, "/toadstools?_limit=1&_sort=n")["_token"]
    response = app.get(f"/toadstools?_limit=10&_sort=n&_token={token}", headers=BOB)
    assert [o["n"] for o in response.json["data"]] == [1, 2, 3, 4]


def _token_from(settings):
    app = make_app(settings)
    for n in range(3):
        create(app, "/toadstools", {"id": f"0000000{n}-0000-4000-8000-000000000000", "n": n})
    response = app.get("/toadstools?_limit=1&_sort=n")
    return dict(parse_qsl(urlparse(response.headers["Next-Page"]).query))["_token"]


@pytest.mark.parametrize(
    ("signing", "checking", "accepted"),
    [
        ({"pagination_token_secret": "s1"}, {"pagination_token_secret": "s1"}, True),
        ({"pagination_token_secret": "s1"}, {"pagination_token_secret": "s2"}, False),
        ({"userid_hmac_secret": "u1"}, {"userid_hmac_secret": "u1"}, True),
        ({"userid_hmac_secret": "u1"}, {"userid_hmac_secret": "u2"}, False),
        (
            {"userid_hmac_secret": "u1", "pagination_token_secret": "s1"},
            {"userid_hmac_secret": "u2", "pagination_token_secret": "s1"},
            True,
        ),
    ],
)
def test_tokens_are_signed_with_the_server_secret(signing, checking, accepted):
    token = _token_from(signing)
    other = make_app(checking)
    response = other.get(f"/toadstools?_limit=1&_sort=n&_token={token}", status="*")
    assert response.status_code == (200 if accepted else 400)


# Consistency while others write -------------------------------------------------

SORTS = [
    None,
    "n",
    "-n",
    "title",
    "-title",
    "v",
    "-v",
    "p.age",
    "done,-n",
    "-last_modified",
    "last_modified",
    "id",
    "-title,v",
]


def _random_data(rng):
    data = {}
    if rng.random() < 0.8:
        data["n"] = rng.randint(0, 5)
    if rng.random() < 0.5:
        data["title"] = rng.choice(["a", "b", "c"])
    if rng.random() < 0.7:
        data["v"] = rng.choice([None, "x", 1, 2.5, True, False, [1], {"k": 1}, "y"])
    if rng.random() < 0.5:
        data["p"] = {"age": rng.randint(0, 3)} if rng.random() < 0.7 else "flat"
    if rng.random() < 0.6:
        data["done"] = rng.random() < 0.5
    return data


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 3])
def test_paging_while_objects_are_inserted_never_skips_nor_repeats(sort, limit):
    rng = random.Random(f"{sort}-{limit}")
    app = make_app()
    initial = {create(app, "/toadstools", _random_data(rng))["id"] for _ in range(12)}

    query = f"/toadstools?_limit={limit}" + (f"&_sort={sort}" if sort else "")
    url = query
    seen = []
    inserted = 0
    for _ in range(200):
        response = app.get(url.replace("http://localhost", ""), headers=BOB)
        seen.extend(o["id"] for o in response.json["data"])
        # Another client inserts between every page (bounded, so that the
        # listing ends even when new objects sort after the current page).
        if inserted < 30:
            for _ in range(2):
                create(app, "/toadstools", _random_data(rng), headers=BOB)
                inserted += 1
        url = response.headers.get("Next-Page")
        if not url:
            break
    else:
        pytest.fail("paging never ended")

    assert len(seen) == len(set(seen)), "an object was listed twice"
    assert initial <= set(seen), "an object that existed when paging started was skipped"


@pytest.mark.parametrize("sort", ["n", "-n", None])
def test_paging_survives_deletion_of_the_last_object_of_a_page(sort):
    app = make_app()
    objects = [create(app, "/toadstools", {"n": n}) for n in range(6)]
    url = "/toadstools?_limit=2" + (f"&_sort={sort}" if sort else "")
    seen = []
    for _ in range(50):
        if not url:
            break
        response = app.get(url.replace("http://localhost", ""), headers=BOB)
        page = response.json["data"]
        seen.extend(o["id"] for o in page)
        if page:
            app.delete(f"/toadstools/{page[-1]['id']}", headers=BOB)
        url = response.headers.get("Next-Page")
    assert sorted(seen) == sorted(o["id"] for o in objects)


def test_polling_pages_list_tombstones():
    app = make_app()
    objects = fill(app, 4)
    start = objects[0]["last_modified"] - 1
    app.delete(f"/toadstools/{objects[1]['id']}", headers=BOB)
    pages = follow(app, f"/toadstools?_since={start}&_limit=1&_sort=last_modified")
    listed = [o for p in pages for o in p]
    assert [o["id"] for o in listed] == [
        o["id"] for o in (objects[0], objects[2], objects[3], objects[1])
    ]
    assert listed[-1]["deleted"] is True


# Plural DELETE tokens --------------------------------------------------------------


def test_plural_delete_pages_through_everything(app):
    fill(app, 5)
    pages = follow(app, "/toadstools?_limit=2", method="delete")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert app.get("/toadstools", headers=BOB).json["data"] == []


def test_plural_delete_tokens_are_single_use(app):
    fill(app, 5)
    response = app.delete("/toadstools?_limit=2", headers=BOB)
    url = response.headers["Next-Page"].replace("http://localhost", "")
    app.delete(url, headers=BOB, status=200)
    again = app.delete(url, headers=BOB, status=400)
    assert_formatted_error(again, 400, 107, message="_token was already used or has expired.")
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 1


def test_plural_delete_tokens_expire_with_the_cache(monkeypatch):
    app = make_app({"pagination_token_validity_seconds": "5"})
    fill(app, 5)
    url = app.delete("/toadstools?_limit=2", headers=BOB).headers["Next-Page"]
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 10)
    response = app.delete(url.replace("http://localhost", ""), headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="expired")
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 3


def test_plural_delete_tokens_need_a_cache_backend():
    app = make_app({"cache_backend": ""})
    fill(app, 3)
    url = app.delete("/toadstools?_limit=1", headers=BOB).headers["Next-Page"]
    response = app.delete(url.replace("http://localhost", ""), headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_token was already used or has expired.")
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 2


def test_get_tokens_do_not_work_for_plural_delete(app):
    fill(app, 3)
    url = app.get("/toadstools?_limit=1", headers=BOB).headers["Next-Page"]
    app.delete(url.replace("http://localhost", ""), headers=BOB, status=400)
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 3


def test_position_of_resolves_dotted_keys_like_the_storage():
    sorting = [Sort("a.b.c", 1)]
    assert position_of({"a.b": {"c": 1}, "a": {"b": {"c": 2}}}, sorting) == {"a.b.c": 1}
    assert position_of({"a": {"b": {"c": 2}}}, sorting) == {"a.b.c": 2}
    assert position_of({"a.b": 3}, sorting) == {}
    assert position_of({"a.b.c": 4}, sorting) == {"a.b.c": 4}


def test_paging_on_a_field_reached_through_a_dotted_key():
    app = make_app()
    values = [
        {"a.b": {"c": 3}},
        {"a": {"b": {"c": 1}}},
        {"a.b": {"c": 2}, "a": {"b": {"c": 9}}},
        {"a.b": 5},
        {"a.b.c": 0},
    ]
    created = [create(app, "/toadstools", v) for v in values]
    pages = follow(app, "/toadstools?_sort=a.b.c&_limit=1")
    seen = [o["id"] for p in pages for o in p]
    assert sorted(seen) == sorted(o["id"] for o in created)
    assert len(seen) == len(set(seen))
