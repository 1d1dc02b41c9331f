"""Request helpers: prefixed user id, principals, authn type, user info in hello."""

from __future__ import annotations

from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request

from strato.components import get_components
from strato.service import Service
from strato.testing import get_user_headers, make_webtest
from tests.auth.testapp import userid
from tests.policies import HeaderSecurityPolicy

whoami = Service(name="whoami", path="/whoami")


@whoami.get(permission="private")
def get_whoami(request: Request) -> dict[str, Any]:
    return {
        "prefixed_userid": request.prefixed_userid,
        "authn_type": request.authn_type,
        "principals": request.prefixed_principals,
        "info": request.get_user_info(),
    }


@whoami.post(permission="private")
def post_whoami(request: Request) -> dict[str, Any]:
    # Called twice in one request: the answers must agree.
    return {"same": request.prefixed_principals == request.prefixed_principals}


def with_whoami(config: Configurator) -> None:
    config.add_cornice_service(whoami)


@pytest.fixture
def app() -> webtest.TestApp:
    return make_webtest(with_whoami, {"multiauth.policies": "basicauth"})


def test_authenticated_helpers(app: webtest.TestApp) -> None:
    body = app.get("/whoami", headers=get_user_headers("alice")).json
    alice = userid("alice")
    assert body["prefixed_userid"] == alice
    assert body["authn_type"] == "basicauth"
    assert body["principals"] == [alice, "system.Authenticated", "system.Everyone"]
    assert body["info"] == {"id": alice, "principals": body["principals"]}


def test_groups_follow_the_user_id(app: webtest.TestApp) -> None:
    backend = get_components(app.app.registry).permission
    backend.add_user_principal(userid("alice"), "group:b")
    backend.add_user_principal(userid("alice"), "group:a")
    body = app.get("/whoami", headers=get_user_headers("alice")).json
    assert body["principals"][:3] == [userid("alice"), "system.Authenticated", "system.Everyone"]
    assert sorted(body["principals"][3:]) == ["group:a", "group:b"]


def test_anonymous_principals_are_only_everyone(app: webtest.TestApp) -> None:
    # ``private`` refuses anonymous callers, so ask hello instead.
    assert "user" not in app.get("/").json
    response = app.get("/whoami", status=401)
    assert response.json["errno"] == 104


def test_hello_shows_the_user_id_and_principals(app: webtest.TestApp) -> None:
    backend = get_components(app.app.registry).permission
    backend.add_user_principal(userid("alice"), "group:editors")
    user = app.get("/", headers=get_user_headers("alice")).json["user"]
    assert user == {
        "id": userid("alice"),
        "principals": [
            userid("alice"),
            "system.Authenticated",
            "system.Everyone",
            "group:editors",
        ],
    }


def test_principals_are_stable_within_a_request(app: webtest.TestApp) -> None:
    assert app.post_json("/whoami", {}, headers=get_user_headers("bob")).json["same"]


def test_helpers_under_a_foreign_security_policy() -> None:
    def includeme(config: Configurator) -> None:
        with_whoami(config)
        config.set_security_policy(HeaderSecurityPolicy("X-User"))

    app = make_webtest(includeme, {})
    body = app.get("/whoami", headers={"X-User": "carol"}).json
    assert body["prefixed_userid"] == "carol"
    assert body["authn_type"] is None
    assert body["principals"] == ["carol", "system.Authenticated", "system.Everyone"]
    anonymous = app.get("/whoami").json
    assert anonymous["principals"] == ["system.Everyone"]
    assert anonymous["info"] == {}
