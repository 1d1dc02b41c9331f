"""Sentry reporting: 500s reach Sentry with the request id and no credentials."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sentry_sdk
import webtest
from pyramid.config import Configurator
from pyramid.request import Request
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from strato import Service
from strato.errors import ConfigurationError
from strato.monitoring.sentry import FILTERED, scrub_event
from strato.testing import make_webtest

PASSWORD = "pa55-w0rd-never-sent"
TOKEN = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
DSN = "https://public@sentry.invalid/1"

crash = Service(name="crash", path="/crash")


@crash.get()
def get_crash(request: Request) -> Any:
    received = request.headers.get("Authorization")  # a local Sentry would capture
    raise RuntimeError(f"boom ({len(received or '')})")


def crash_app(config: Configurator) -> None:
    config.add_cornice_service(crash)


class CapturingTransport(Transport):
    """Keeps the envelopes instead of sending them."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        found = [envelope.get_event() for envelope in self.envelopes]
        return [event for event in found if event is not None]


@pytest.fixture
def sentry_app() -> Iterator[Callable[..., tuple[webtest.TestApp, CapturingTransport]]]:
    """Build an app reporting to Sentry; events land in the returned transport."""

    def build(**settings: Any) -> tuple[webtest.TestApp, CapturingTransport]:
        app = make_webtest(
            crash_app,
            {"multiauth.policies": "basicauth", "sentry_dsn": DSN, **settings},
        )
        client = sentry_sdk.get_client()
        if client.transport is not None:
            client.transport.kill()
        transport = CapturingTransport(client.options)
        client.transport = transport
        return app, transport

    try:
        yield build
    finally:
        # Leave no client behind: later tests must not report anywhere.
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


def crash_headers() -> dict[str, str]:
    return {
        "Authorization": f"Basic {TOKEN}",
        "Cookie": "session=cookie-value-never-sent",
        "X-Request-Id": "rid-crash-1",
    }


def test_an_unhandled_error_is_reported_with_its_request_id(
    sentry_app: Callable[..., Any],
) -> None:
    app, transport = sentry_app()
    response = app.get("/crash", headers=crash_headers(), status=500)
    assert response.headers["X-Request-Id"] == "rid-crash-1"

    events = transport.events()
    reported = [
        event
        for event in events
        if any(v["type"] == "RuntimeError" for v in event.get("exception", {}).get("values", []))
    ]
    assert reported
    assert {event["tags"]["request_id"] for event in reported} == {"rid-crash-1"}


def test_a_report_carries_no_credentials(sentry_app: Callable[..., Any]) -> None:
    app, transport = sentry_app()
    app.get("/crash", headers=crash_headers(), status=500)

    assert transport.envelopes
    for envelope in transport.envelopes:
        sent = envelope.serialize()
        assert TOKEN.encode() not in sent
        assert PASSWORD.encode() not in sent
        assert b"cookie-value-never-sent" not in sent


def test_a_report_names_environment_and_release(sentry_app: Callable[..., Any]) -> None:
    app, transport = sentry_app(sentry_env="staging")
    app.get("/crash", status=500)
    event = transport.events()[0]
    assert event["environment"] == "staging"
    assert event["release"] == "testapp@1.0.0"


def test_client_errors_are_not_reported(sentry_app: Callable[..., Any]) -> None:
    app, transport = sentry_app()
    app.get("/nowhere", status=404)
    app.post_json("/batch", {"requests": "nope"}, status=400)
    assert transport.events() == []


def test_requests_do_not_share_their_request_id(sentry_app: Callable[..., Any]) -> None:
    app, transport = sentry_app()
    app.get("/crash", headers={"X-Request-Id": "first"}, status=500)
    app.get("/crash", headers={"X-Request-Id": "second"}, status=500)
    tags = [event["tags"]["request_id"] for event in transport.events()]
    assert "first" in tags and "second" in tags
    sentry_sdk.capture_message("outside any request")
    assert "request_id" not in transport.events()[-1].get("tags", {})


def test_without_dsn_sentry_stays_inactive() -> None:
    make_webtest(crash_app).get("/crash", status=500)
    assert not sentry_sdk.get_client().is_active()


def test_an_unknown_log_level_fails_at_startup() -> None:
    try:
        with pytest.raises(ConfigurationError, match="sentry_events_min_level"):
            make_webtest(settings={"sentry_dsn": DSN, "sentry_events_min_level": "LOUD"})
    finally:
        sentry_sdk.get_global_scope().set_client(None)


# The scrubbing hook ---------------------------------------------------------------


def test_scrub_removes_credential_headers_in_any_shape() -> None:
    event = {
        "request": {
            "headers": {"Authorization": "Basic abcdefgh", "Accept": "application/json"},
            "cookies": {"session": "x"},
            "env": {"HTTP_AUTHORIZATION": "Bearer 1234567890", "SERVER_NAME": "localhost"},
        },
        "breadcrumbs": {"values": [{"data": {"headers": [["Cookie", "a=b"], ["Accept", "*"]]}}]},
    }
    scrubbed = scrub_event(event)
    assert scrubbed["request"]["headers"] == {
        "Authorization": FILTERED,
        "Accept": "application/json",
    }
    assert "cookies" not in scrubbed["request"]
    assert scrubbed["request"]["env"]["HTTP_AUTHORIZATION"] == FILTERED
    assert scrubbed["breadcrumbs"]["values"][0]["data"]["headers"] == [
        ["Cookie", FILTERED],
        ["Accept", "*"],
    ]


def test_scrub_removes_passwords_and_secrets_by_name() -> None:
    event = {
        "request": {"data": {"data": {"password": "hunter22", "name": "ann"}}},
        "extra": {"userid_hmac_secret": "s", "api-key": "k", "size": 3},
    }
    scrubbed = scrub_event(event)
    assert scrubbed["request"]["data"]["data"] == {"password": FILTERED, "name": "ann"}
    assert scrubbed["extra"] == {"userid_hmac_secret": FILTERED, "api-key": FILTERED, "size": 3}


def test_scrub_removes_credentials_from_text_and_query_strings() -> None:
    event = {
        "request": {"query_string": "_limit=2&access_token=abc&_sort=x"},
        "message": "sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x ok",
        "exception": {
            "values": [{"stacktrace": {"frames": [{"vars": {"h": "basic QUJDOkRFRg=="}}]}}]
        },
    }
    scrubbed = scrub_event(event)
    assert scrubbed["request"]["query_string"] == f"_limit=2&access_token={FILTERED}&_sort=x"
    assert scrubbed["message"] == f"sent Authorization: Bearer {FILTERED} ok"
    frame = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["vars"] == {"h": f"basic {FILTERED}"}
