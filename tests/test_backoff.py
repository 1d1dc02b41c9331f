"""``Backoff`` on responses, ``Retry-After`` on 503 and storage conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import webtest
from pyramid import httpexceptions
from pyramid.config import Configurator
from pyramid.request import Request

from strato import Service
from strato.errors import ConfigurationError
from strato.storage.errors import IntegrityError

Factory = Callable[..., webtest.TestApp]

outcome = Service(name="outcome", path="/outcome/{status}")


@outcome.get()
def get_outcome(request: Request) -> Any:
    status = int(request.matchdict["status"])
    if status == 500:
        raise RuntimeError("bug")
    if status == 409 and request.GET.get("storage"):
        raise IntegrityError("conflict")
    if status >= 400:
        raise httpexceptions.exception_response(status)
    return {}


def with_outcome(config: Configurator) -> None:
    config.add_cornice_service(outcome)


def test_no_backoff_by_default(app: webtest.TestApp) -> None:
    assert "Backoff" not in app.get("/").headers


@pytest.mark.parametrize("status", [200, 400, 404, 409, 500, 503])
def test_backoff_is_on_every_response(make_app: Factory, status: int) -> None:
    app = make_app({"backoff": "10"}, includeme=with_outcome)
    response = app.get(f"/outcome/{status}", status=status)
    assert response.headers["Backoff"] == "10"


def test_backoff_is_on_unknown_urls_and_redirects(make_app: Factory) -> None:
    app = make_app({"backoff": "10"}, prefixed=False)
    assert app.get("/v1/nowhere", status=404).headers["Backoff"] == "10"
    assert app.get("/nowhere", status=307).headers["Backoff"] == "10"


def test_backoff_percentage_zero_never_sends_it(make_app: Factory) -> None:
    app = make_app({"backoff": "10", "backoff_percentage": "0"})
    assert not any("Backoff" in app.get("/").headers for _ in range(30))


def test_backoff_percentage_hundred_always_sends_it(make_app: Factory) -> None:
    app = make_app({"backoff": "10", "backoff_percentage": "100"})
    assert all(app.get("/").headers.get("Backoff") == "10" for _ in range(30))


@pytest.mark.parametrize("value", ["150", "-5", "half"])
def test_bad_backoff_percentage_fails_at_start_up(make_app: Factory, value: str) -> None:
    with pytest.raises(ConfigurationError, match="backoff_percentage"):
        make_app({"backoff": "10", "backoff_percentage": value})


def test_bad_backoff_fails_at_start_up(make_app: Factory) -> None:
    with pytest.raises(ConfigurationError, match="'backoff'"):
        make_app({"backoff": "soon"})


def test_retry_after_on_503(make_app: Factory) -> None:
    app = make_app({"retry_after_seconds": "3"}, includeme=with_outcome)
    assert app.get("/outcome/503", status=503).headers["Retry-After"] == "3"


def test_retry_after_on_storage_conflicts(make_app: Factory) -> None:
    app = make_app(includeme=with_outcome)
    response = app.get("/outcome/409?storage=1", status=409)
    assert response.headers["Retry-After"] == "30"


def test_no_retry_after_on_a_conflict_a_view_raises(make_app: Factory) -> None:
    # A duplicate refused by a view fails the same way when retried.
    app = make_app(includeme=with_outcome)
    assert "Retry-After" not in app.get("/outcome/409", status=409).headers


@pytest.mark.parametrize("status", [200, 400, 404, 500])
def test_no_retry_after_elsewhere(make_app: Factory, status: int) -> None:
    app = make_app(includeme=with_outcome)
    assert "Retry-After" not in app.get(f"/outcome/{status}", status=status).headers
