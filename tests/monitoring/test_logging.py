"""Request ids and the one-line request summary."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request

from strato import Service
from strato.monitoring.logging import configure, get_logger

Factory = Callable[..., webtest.TestApp]
Lines = Callable[[], list[dict[str, Any]]]

chatty = Service(name="chatty", path="/chatty")


@chatty.get()
def get_chatty(request: Request) -> dict[str, Any]:
    request.log_context(flavour="lemon")
    get_logger("strato.tests").info("inside the view")
    return {}


@chatty.post()
def post_chatty(request: Request) -> Any:
    raise RuntimeError("boom")


def with_chatty(config: Configurator) -> None:
    config.add_cornice_service(chatty)


# Request id ---------------------------------------------------------------------


def test_a_request_id_is_generated(app: webtest.TestApp) -> None:
    first = app.get("/").headers["X-Request-Id"]
    second = app.get("/").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize("rid", ["abc-123", "7f3c8a1e-0000-4000-8000-000000000000", "a.b:c/d+e="])
def test_a_well_formed_request_id_is_echoed(app: webtest.TestApp, rid: str) -> None:
    assert app.get("/", headers={"X-Request-Id": rid}).headers["X-Request-Id"] == rid


@pytest.mark.parametrize(
    "rid", ["has spaces", "<script>", "x" * 10_000, "é", "a;b", "line\tbreak"]
)
def test_a_malformed_request_id_is_replaced(app: webtest.TestApp, rid: str) -> None:
    echoed = app.get("/", headers={"X-Request-Id": rid}).headers["X-Request-Id"]
    assert echoed != rid
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


@pytest.mark.parametrize(("path", "status"), [("/nowhere", 404), ("/", 405)])
def test_errors_carry_the_request_id(app: webtest.TestApp, path: str, status: int) -> None:
    response = app.post_json(path, {}, headers={"X-Request-Id": "err-1"}, status=status)
    assert response.headers["X-Request-Id"] == "err-1"


def test_redirects_carry_the_request_id(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/", headers={"X-Request-Id": "redir-1"}, status=307)
    assert response.headers["X-Request-Id"] == "redir-1"


def test_a_500_carries_the_request_id(make_app: Factory) -> None:
    app = make_app(includeme=with_chatty)
    response = app.post("/chatty", headers={"X-Request-Id": "crash-1"}, status=500)
    assert response.headers["X-Request-Id"] == "crash-1"


# Summary line ---------------------------------------------------------------------


def test_one_summary_line_per_request(app: webtest.TestApp, summary_lines: Lines) -> None:
    app.get("/", headers={"X-Request-Id": "one"})
    app.get("/__heartbeat__", headers={"X-Request-Id": "two"})
    assert [line["rid"] for line in summary_lines()] == ["one", "two"]


def test_summary_fields(app: webtest.TestApp, summary_lines: Lines) -> None:
    app.get(
        "/?_since=1",
        headers={"X-Request-Id": "sum-1", "User-Agent": "tests/1", "Accept-Language": "fr"},
    )
    (line,) = summary_lines()
    assert line["event"] == "request.summary"
    assert line["rid"] == "sum-1"
    assert line["method"] == "GET"
    assert line["path"] == "/v1/"
    assert line["code"] == 200
    assert line["errno"] == 0
    assert line["agent"] == "tests/1"
    assert line["lang"] == "fr"
    assert isinstance(line["t"], int | float)
    assert line["t"] >= 0


def test_summary_of_an_error_has_its_errno(app: webtest.TestApp, summary_lines: Lines) -> None:
    app.get("/nowhere", status=404)
    (line,) = summary_lines()
    assert line["code"] == 404
    assert line["errno"] == 111
    assert line["path"] == "/v1/nowhere"


def test_summary_of_a_500(make_app: Factory, summary_lines: Lines) -> None:
    make_app(includeme=with_chatty).post("/chatty", headers={"X-Request-Id": "c"}, status=500)
    (line,) = summary_lines()
    assert (line["code"], line["errno"], line["rid"]) == (500, 999, "c")


def test_summary_uses_the_replacement_request_id(
    app: webtest.TestApp, summary_lines: Lines
) -> None:
    response = app.get("/", headers={"X-Request-Id": "x" * 10_000})
    (line,) = summary_lines()
    assert line["rid"] == response.headers["X-Request-Id"]


def test_log_context_adds_fields_to_the_summary(make_app: Factory, summary_lines: Lines) -> None:
    make_app(includeme=with_chatty).get("/chatty")
    (line,) = summary_lines()
    assert line["flavour"] == "lemon"


def test_lines_logged_during_a_request_carry_its_id(
    make_app: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    make_app(includeme=with_chatty).get("/chatty", headers={"X-Request-Id": "inner-1"})
    inner = [r for r in caplog.records if r.name == "strato.tests"]
    assert len(inner) == 1
    assert json.loads(inner[0].getMessage())["rid"] == "inner-1"


def test_request_context_does_not_leak_to_the_next_request(
    make_app: Factory, summary_lines: Lines
) -> None:
    app = make_app(includeme=with_chatty)
    app.get("/chatty")
    app.get("/")
    first, second = summary_lines()
    assert "flavour" in first
    assert "flavour" not in second


def test_a_non_utf8_path_is_logged_without_failing(
    raw_app: webtest.TestApp, summary_lines: Lines
) -> None:
    raw_app.get("/v1/%FF", status=400)
    (line,) = summary_lines()
    assert line["code"] == 400
    assert line["errno"] == 107
    assert line["path"].startswith("/v1/")


def test_credentials_are_not_logged(app: webtest.TestApp, summary_lines: Lines) -> None:
    app.get("/", headers={"Authorization": "Basic c2VjcmV0OnNlY3JldA=="})
    assert "c2VjcmV0" not in json.dumps(summary_lines())


def test_console_renderer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    configure({"logging_renderer": "console"})
    try:
        get_logger("strato.tests").info("hello console", colour="none")
        message = caplog.records[-1].getMessage()
        assert "hello console" in message
        with pytest.raises(ValueError):
            json.loads(message)
    finally:
        configure({})
