"""Authentication: policies from settings, Basic auth user ids, challenges."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import pytest
import webtest
from pyramid.request import Request

from strato.authentication import BasicAuthPolicy, hmac_digest
from strato.errors import ConfigurationError
from strato.testing import assert_formatted_error, get_user_headers, make_webtest
from tests.auth.testapp import includeme as shared_app

VECTOR = "8a931a10fc88ab2f6d1cc02a07d3a81b5d4768f6f13e85c5d8d4180419acb1b4"


class HeaderPolicy:
    """Identifies the caller named by a header (``X-User`` by default)."""

    def __init__(self, header_name: str = "X-User") -> None:
        self.header_name = header_name

    def authenticated_userid(self, request: Request) -> str | None:
        return request.headers.get(self.header_name) or None

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", "Header")]


class NamedPolicy(HeaderPolicy):
    name = "token"


def build(settings: dict[str, Any] | None = None, includeme: Any = None) -> webtest.TestApp:
    return make_webtest(includeme, settings)


def whoami(app: webtest.TestApp, **headers: str) -> Any:
    return app.get("/", headers=headers).json.get("user", {}).get("id")


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii")


# The Basic auth user id --------------------------------------------------------


def test_hmac_test_vector() -> None:
    assert hmac_digest("", "mat:secret") == VECTOR


def test_basic_auth_user_id_is_the_prefixed_hmac_of_the_credentials() -> None:
    app = build({"multiauth.policies": "basicauth", "userid_hmac_secret": ""})
    assert whoami(app, Authorization=basic("mat:secret")) == f"basicauth:{VECTOR}"


def test_the_secret_changes_every_user_id() -> None:
    one = build({"multiauth.policies": "basicauth", "userid_hmac_secret": "one"})
    two = build({"multiauth.policies": "basicauth", "userid_hmac_secret": "two"})
    header = {"Authorization": basic("mat:secret")}
    assert whoami(one, **header) == "basicauth:" + hmac_digest("one", "mat:secret")
    assert whoami(one, **header) != whoami(two, **header)


def test_a_policy_secret_overrides_the_setting() -> None:
    app = build(
        {
            "multiauth.policies": "basicauth",
            "multiauth.policy.basicauth.secret": "",
            "userid_hmac_secret": "ignored",
        }
    )
    assert whoami(app, Authorization=basic("mat:secret")) == f"basicauth:{VECTOR}"


@pytest.mark.parametrize(
    ("credentials", "identified"),
    [
        ("mat:", True),  # an empty password is a password
        ("mat:pass:with:colons", True),
        ("m\u00e9l:s\u00e9same", True),
        (":secret", False),  # no user name: anonymous
        ("matsecret", False),
    ],
)
def test_which_credentials_identify(credentials: str, identified: bool) -> None:
    app = build({"multiauth.policies": "basicauth"})
    userid = whoami(app, Authorization=basic(credentials))
    assert (userid is not None) is identified
    if identified:
        expected = hmac_digest("test-secret", credentials)
        assert userid == f"basicauth:{expected}"


def test_same_user_other_password_is_another_user() -> None:
    app = build({"multiauth.policies": "basicauth"})
    assert whoami(app, Authorization=basic("mat:a")) != whoami(app, Authorization=basic("mat:b"))


def test_basicauth_is_advertised_as_a_capability() -> None:
    app = build({"multiauth.policies": "basicauth"})
    capability = app.get("/").json["capabilities"]["basicauth"]
    assert capability["description"]
    assert capability["url"].startswith("https://")


def test_an_empty_secret_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="strato.authentication")
    build({"multiauth.policies": "basicauth", "userid_hmac_secret": ""})
    assert any("userid_hmac_secret" in r.getMessage() for r in caplog.records)


# 401 challenges ------------------------------------------------------------------


def test_401_carries_the_basic_challenge() -> None:
    app = build({"multiauth.policies": "basicauth"}, shared_app)
    response = app.get("/articles", status=401)
    assert_formatted_error(response, 401, 104, "Unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Realm"'


def test_the_realm_is_a_policy_setting() -> None:
    settings = {"multiauth.policies": "basicauth", "multiauth.policy.basicauth.realm": "Notes"}
    app = build(settings, shared_app)
    response = app.get("/articles", status=401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Notes"'


def test_every_policy_adds_its_challenge() -> None:
    settings = {
        "multiauth.policies": "header basicauth",
        "multiauth.policy.header.use": HeaderPolicy,
    }
    app = build(settings, shared_app)
    response = app.get("/articles", status=401)
    assert response.headers.getall("WWW-Authenticate") == ["Header", 'Basic realm="Realm"']


# Policies from settings ------------------------------------------------------------


def test_any_policy_class_with_authenticated_userid(
    plugin_module: Callable[..., str],
) -> None:
    module = plugin_module("custom_auth_policies", HeaderPolicy=HeaderPolicy)
    settings = {
        "multiauth.policies": "header",
        "multiauth.policy.header.use": f"{module}.HeaderPolicy",
        "multiauth.policy.header.header_name": "X-Api-Key",
    }
    app = build(settings)
    assert whoami(app, **{"X-Api-Key": "k1"}) == "header:k1"
    assert whoami(app, **{"X-User": "k1"}) is None
    assert app.get("/").json["authentication"] == {"policies": ["header"]}


def test_a_policy_name_attribute_is_the_prefix() -> None:
    app = build({"multiauth.policies": "mine", "multiauth.policy.mine.use": NamedPolicy})
    assert whoami(app, **{"X-User": "alice"}) == "token:alice"


def test_configured_names_are_lowercased_for_the_prefix() -> None:
    app = build({"multiauth.policies": "Hdr", "multiauth.policy.Hdr.use": HeaderPolicy})
    assert whoami(app, **{"X-User": "alice"}) == "hdr:alice"


def test_the_first_policy_that_identifies_wins() -> None:
    settings = {
        "multiauth.policies": "header basicauth",
        "multiauth.policy.header.use": HeaderPolicy,
    }
    app = build(settings)
    both = {"X-User": "alice", "Authorization": basic("bob:pw")}
    assert whoami(app, **both) == "header:alice"
    assert whoami(app, Authorization=basic("bob:pw")).startswith("basicauth:")


def test_policies_may_be_given_as_a_list() -> None:
    app = build({"multiauth.policies": ["basicauth"]})
    assert whoami(app, **get_user_headers("alice")).startswith("basicauth:")


def test_authn_type_is_logged_in_the_summary(
    summary_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    app = build({"multiauth.policies": "basicauth"})
    app.get("/", headers=get_user_headers("alice"))
    line = summary_lines()[-1]
    assert line["authn_type"] == "basicauth"
    assert line["uid"].startswith("basicauth:")


# Without policies ------------------------------------------------------------------


def test_without_policies_the_service_is_anonymous_only() -> None:
    app = build({}, shared_app)
    body = app.get("/", headers=get_user_headers("alice")).json
    assert body["authentication"] == {"policies": []}
    assert "user" not in body
    assert "basicauth" not in body["capabilities"]
    response = app.get("/articles", headers=get_user_headers("alice"), status=401)
    assert_formatted_error(response, 401, 104)
    assert "WWW-Authenticate" not in response.headers


def test_hello_lists_the_enabled_policies_in_order() -> None:
    settings = {
        "multiauth.policies": "basicauth header",
        "multiauth.policy.header.use": HeaderPolicy,
    }
    assert build(settings).get("/").json["authentication"] == {"policies": ["basicauth", "header"]}


# Configuration errors ----------------------------------------------------------------


class NotAPolicy:
    pass


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"multiauth.policies": "ldap"}, "'multiauth.policy.ldap.use' is missing"),
        (
            {"multiauth.policies": "x", "multiauth.policy.x.use": "no.such.module.Policy"},
            "cannot import 'no.such.module.Policy'",
        ),
        (
            {"multiauth.policies": "x", "multiauth.policy.x.use": NotAPolicy},
            "has no authenticated_userid",
        ),
        (
            {"multiauth.policies": "basicauth", "multiauth.policy.basicauth.colour": "red"},
            "multiauth.policy.basicauth.colour",
        ),
        ({"multiauth.policies": "basicauth basicauth"}, "listed twice"),
    ],
)
def test_bad_policy_settings_fail_at_startup(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace(".", r"\.")):
        build(settings)


def test_basicauth_policy_defaults() -> None:
    policy = BasicAuthPolicy()
    assert policy.name == "basicauth"
    assert policy.realm == "Realm"
    assert policy.secret is None


def test_one_challenge_header_when_two_policies_send_the_same():
    settings = {
        "multiauth.policies": "basicauth other",
        "multiauth.policy.other.use": "strato.authentication.BasicAuthPolicy",
    }
    app = build(settings, shared_app)
    response = app.get("/articles", status=401)
    assert response.headers.getall("WWW-Authenticate") == ['Basic realm="Realm"']
