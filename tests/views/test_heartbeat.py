"""``GET /__heartbeat__`` and ``GET /__lbheartbeat__``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator

Factory = Callable[..., webtest.TestApp]


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event slow checks wait on; set at teardown so no thread lingers."""
    event = threading.Event()
    yield event
    event.set()


def with_checks(**checks: Callable[[Any], Any]) -> Callable[[Configurator], None]:
    def includeme(config: Configurator) -> None:
        for name, check in checks.items():
            config.add_heartbeat(name, check)

    return includeme


def test_no_checks_is_an_empty_healthy_map(app: webtest.TestApp) -> None:
    response = app.get("/__heartbeat__")
    assert response.status_code == 200
    assert response.json == {}


def test_healthy_checks_report_true(make_app: Factory) -> None:
    app = make_app(includeme=with_checks(storage=lambda r: True, cache=lambda r: None))
    assert app.get("/__heartbeat__").json == {"storage": True, "cache": True}


def test_a_failing_check_is_a_503_with_the_map(make_app: Factory) -> None:
    app = make_app(includeme=with_checks(storage=lambda r: True, cache=lambda r: False))
    response = app.get("/__heartbeat__", status=503)
    assert response.json == {"storage": True, "cache": False}
    assert response.headers["Content-Type"] == "application/json"


def test_a_raising_check_reports_false(make_app: Factory) -> None:
    def broken(request: Any) -> bool:
        raise RuntimeError("database is down")

    app = make_app(includeme=with_checks(storage=broken))
    response = app.get("/__heartbeat__", status=503)
    assert response.json == {"storage": False}
    assert "database is down" not in response.text


def test_a_slow_check_times_out_and_reports_false(
    make_app: Factory, release: threading.Event
) -> None:
    app = make_app(
        {"heartbeat_timeout_seconds": "0.05"},
        includeme=with_checks(slow=lambda r: release.wait(), fast=lambda r: True),
    )
    response = app.get("/__heartbeat__", status=503)
    assert response.json == {"slow": False, "fast": True}


def test_checks_run_concurrently(make_app: Factory) -> None:
    # Each check waits for the other: run one after the other, the first
    # would break the barrier (BrokenBarrierError -> false) after 5 seconds.
    barrier = threading.Barrier(2, timeout=5)

    def meet(request: Any) -> bool:
        barrier.wait()
        return True

    app = make_app(
        {"heartbeat_timeout_seconds": "5"},
        includeme=with_checks(first=meet, second=meet),
    )
    assert app.get("/__heartbeat__").json == {"first": True, "second": True}


def test_checks_receive_the_request(make_app: Factory) -> None:
    seen: list[str] = []

    def check(request: Any) -> bool:
        seen.append(request.path)
        return True

    make_app(includeme=with_checks(check=check)).get("/__heartbeat__")
    assert seen == ["/v1/__heartbeat__"]


def test_lbheartbeat_is_always_ok(make_app: Factory) -> None:
    app = make_app(includeme=with_checks(storage=lambda r: False))
    response = app.get("/__lbheartbeat__")
    assert response.status_code == 200
    assert response.json == {}


def test_heartbeat_is_readable_in_readonly_mode(make_app: Factory) -> None:
    app = make_app({"readonly": "true"}, includeme=with_checks(storage=lambda r: True))
    assert app.get("/__heartbeat__").json == {"storage": True}
