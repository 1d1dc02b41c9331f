"""End of service (``eos``): an Alert header before the date, 410 after it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import webtest

from strato.errors import ERRORS, ConfigurationError

Factory = Callable[..., webtest.TestApp]

FUTURE = "2999-12-31"
PAST = "2000-01-01"


def alert(response: webtest.TestResponse) -> dict[str, str]:
    return json.loads(response.headers["Alert"])  # type: ignore[no-any-return]


def test_no_eos_no_alert(app: webtest.TestApp) -> None:
    assert "Alert" not in app.get("/").headers


def test_future_eos_adds_a_soft_eol_alert(make_app: Factory) -> None:
    app = make_app({"eos": FUTURE, "eos_message": "Moving to v2", "eos_url": "https://docs/eos"})
    response = app.get("/")
    assert response.status_code == 200
    assert alert(response) == {
        "code": "soft-eol",
        "message": "Moving to v2",
        "url": "https://docs/eos",
    }


def test_future_eos_alert_is_on_every_response(make_app: Factory) -> None:
    app = make_app({"eos": FUTURE, "eos_message": "bye"})
    assert alert(app.get("/__heartbeat__"))["code"] == "soft-eol"
    assert alert(app.get("/nowhere", status=404))["code"] == "soft-eol"


def test_past_eos_is_410_errno_202_with_a_hard_eol_alert(make_app: Factory) -> None:
    app = make_app({"eos": PAST, "eos_message": "Gone", "eos_url": "https://docs/eos"})
    response = app.get("/", status=410)
    assert response.json == {
        "code": 410,
        "errno": ERRORS.SERVICE_DEPRECATED,
        "error": "Gone",
        "message": "The service you are trying to connect no longer exists at this location.",
    }
    assert alert(response) == {"code": "hard-eol", "message": "Gone", "url": "https://docs/eos"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/__heartbeat__"), ("GET", "/__lbheartbeat__"), ("POST", "/"), ("GET", "/x")],
)
def test_past_eos_refuses_every_request(make_app: Factory, method: str, path: str) -> None:
    app = make_app({"eos": PAST})
    response = app.request(f"/v1{path}", method=method, status=410)
    assert response.json["errno"] == ERRORS.SERVICE_DEPRECATED
    assert response.headers["Content-Type"] == "application/json"


def test_hard_eol_url_falls_back_to_project_docs(make_app: Factory) -> None:
    app = make_app({"eos": PAST, "project_docs": "https://docs.example.com/"})
    assert alert(app.get("/", status=410))["url"] == "https://docs.example.com/"


def test_eos_with_a_time_and_timezone(make_app: Factory) -> None:
    app = make_app({"eos": "2001-01-01T00:00:00+02:00"})
    app.get("/", status=410)


def test_a_bad_eos_date_fails_at_start_up(make_app: Factory) -> None:
    with pytest.raises(ConfigurationError, match=r"'eos'.*not-a-date"):
        make_app({"eos": "not-a-date"})


def test_past_eos_response_keeps_request_id_and_security_headers(make_app: Factory) -> None:
    response = make_app({"eos": PAST}).get("/", status=410)
    assert response.headers["X-Request-Id"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_past_eos_response_keeps_the_cors_headers(make_app: Factory) -> None:
    response = make_app({"eos": PAST}).get("/", headers={"Origin": "https://a.net"}, status=410)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
