"""PROTOCOL §14: the doc-vs-code traps that concern resources, one test each."""

from __future__ import annotations

import pytest

from strato.events import ResourceChanged
from strato.testing import assert_formatted_error, make_webtest

from .testapp import BASE_SETTINGS, BOB, create, includeme, make_app


@pytest.fixture
def app():
    return make_app()


@pytest.mark.parametrize("value", ["*", '"1"', '"0"'])
def test_trap_01_post_without_id_and_if_match_is_412(app, value):
    response = app.post_json(
        "/toadstools", {"data": {}}, headers={**BOB, "If-Match": value}, status=412
    )
    assert_formatted_error(response, 412, 114)
    assert app.get("/toadstools", headers=BOB).json["data"] == []


@pytest.mark.parametrize("method", ["get", "head", "delete"])
def test_trap_02_if_none_match_star_on_plural_is_412(app, method):
    create(app, "/toadstools", {})
    response = getattr(app, method)(
        "/toadstools", headers={**BOB, "If-None-Match": "*"}, status=412
    )
    assert response.status_code == 412
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 1


def test_trap_03_patch_always_bumps_last_modified(app):
    obj = create(app, "/toadstools", {"n": 1})
    response = app.patch_json(f"/toadstools/{obj['id']}", {"data": {}}, headers=BOB)
    assert response.json["data"]["last_modified"] > obj["last_modified"]


def test_trap_06_body_validation_errors_use_errno_107(app):
    response = app.post_json("/moistures", {"data": {"name": 1}}, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, "Invalid parameters")


def test_trap_07_delete_events_carry_new_and_old():
    seen = []

    def wiring(config):
        includeme(config)
        config.add_subscriber(seen.append, ResourceChanged)

    app = make_webtest(wiring, BASE_SETTINGS, version="0.1.0")
    obj = create(app, "/toadstools", {"n": 1})
    app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    impacted = seen[-1].impacted_objects
    assert impacted[0]["old"] == obj
    assert impacted[0]["new"]["deleted"] is True


def test_trap_08_ascending_boolean_sort_puts_false_first(app):
    for flag in (True, False):
        create(app, "/toadstools", {"flag": flag})
    response = app.get("/toadstools?_sort=flag", headers=BOB)
    assert [o["flag"] for o in response.json["data"]] == [False, True]


def test_trap_09_fields_drop_permissions_and_deleted(app):
    obj = create(app, "/mushrooms", {"n": 1})
    assert "permissions" not in app.get(f"/mushrooms/{obj['id']}?_fields=n", headers=BOB).json
    gone = create(app, "/toadstools", {"n": 1})
    app.delete(f"/toadstools/{gone['id']}", headers=BOB)
    listed = app.get("/toadstools?_since=0&_fields=n", headers=BOB).json["data"]
    assert "deleted" not in listed[0]


@pytest.mark.parametrize("query", ["gt_n=5", "min_n=5", "not_n=1", "exclude_n=1"])
def test_trap_10_missing_fields_match(app, query):
    missing = create(app, "/toadstools", {"other": 1})
    create(app, "/toadstools", {"n": 1})
    listed = app.get(f"/toadstools?{query}", headers=BOB).json["data"]
    assert [o["id"] for o in listed] == [missing["id"]]


def test_trap_11_like_with_a_number_is_400(app):
    response = app.get("/toadstools?like_n=12", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107)


def test_trap_12_limit_zero_means_max_fetch_size():
    app = make_app({"storage_max_fetch_size": "4"})
    for n in range(3):
        create(app, "/toadstools", {"n": n})
    assert len(app.get("/toadstools?_limit=0", headers=BOB).json["data"]) == 3


def test_trap_13_etag_ignores_filters_and_tombstones_need_a_timestamp_filter(app):
    gone = create(app, "/toadstools", {"n": 1})
    create(app, "/toadstools", {"n": 2})
    app.delete(f"/toadstools/{gone['id']}", headers=BOB)
    whole = app.get("/toadstools", headers=BOB)
    assert app.get("/toadstools?n=2", headers=BOB).headers["ETag"] == whole.headers["ETag"]
    assert gone["id"] not in [o["id"] for o in whole.json["data"]]
    assert gone["id"] in [
        o["id"] for o in app.get("/toadstools?_since=0", headers=BOB).json["data"]
    ]


def test_trap_17_strict_schemas_drop_unknown_fields_silently(app):
    response = app.post_json(
        "/moistures", {"data": {"name": "m", "unknown": 1}}, headers=BOB, status=201
    )
    assert "unknown" not in response.json["data"]


def test_trap_18_readonly_fields_are_checked_on_patch_only(app):
    spore = create(app, "/spores", {"name": "s"})
    app.patch_json(f"/spores/{spore['id']}", {"data": {"name": "t"}}, headers=BOB, status=400)
    app.put_json(f"/spores/{spore['id']}", {"data": {"name": "t"}}, headers=BOB, status=200)


def test_trap_19_plural_delete_tokens_are_single_use_and_need_the_cache():
    for settings, second in (({}, 400), ({"cache_backend": ""}, 400)):
        app = make_app(settings)
        for n in range(3):
            create(app, "/toadstools", {"n": n})
        url = app.delete("/toadstools?_limit=1", headers=BOB).headers["Next-Page"]
        path = url.replace("http://localhost", "")
        if settings:
            app.delete(path, headers=BOB, status=second)
        else:
            app.delete(path, headers=BOB, status=200)
            app.delete(path, headers=BOB, status=second)


def test_trap_20_without_policies_nobody_is_authenticated():
    app = make_app({"multiauth.policies": ""})
    response = app.get("/notes", headers=BOB, status=401)
    assert_formatted_error(response, 401, 104)
