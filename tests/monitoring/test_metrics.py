"""Metrics: the service API, and StatsD packets sent by a running application."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request

import strato.monitoring.metrics
from strato import Service, resource
from strato.errors import ConfigurationError
from strato.monitoring.metrics import (
    IMetricsService,
    MemoryMetrics,
    NoOpMetrics,
    StatsDMetrics,
    get_metrics,
    instrument_backend,
    metric_name,
)
from strato.settings import DEFAULT_INITIALIZATION_SEQUENCE
from strato.storage import StorageBase
from strato.testing import get_user_headers, make_webtest

ALICE = get_user_headers("alice")

crash = Service(name="crash", path="/crash")


@crash.get()
def get_crash(request: Request) -> Any:
    raise RuntimeError("boom")


class Gauge(resource.Resource):
    pass


def gauges_app(config: Configurator) -> None:
    resource.register_resource(config, Gauge, name="gauge")
    config.add_cornice_service(crash)


BASE_SETTINGS = {"multiauth.policies": "basicauth"}


# The service API ------------------------------------------------------------------


def test_all_lists_the_public_names_sorted() -> None:
    module = strato.monitoring.metrics
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", None) == module.__name__
    }
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) == defined | {"Labels"}


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (None, "hits"),
        ((), "hits"),
        ("basicauth", "hits.basicauth"),
        ([("method", "GET"), ("endpoint", "item-plural")], "hits.GET.item-plural"),
        ([("user", "basicauth:ab12")], "hits.basicauth_ab12"),
        ([("path", "a.b c|d@e")], "hits.a_b_c_d_e"),
        ([("empty", "")], "hits._"),
        ([("status", 404)], "hits.404"),
    ],
)
def test_label_values_are_appended_and_sanitized(labels: Any, expected: str) -> None:
    assert metric_name("hits", labels) == expected


@pytest.mark.parametrize("service", [NoOpMetrics(), MemoryMetrics()])
def test_services_provide_the_interface(service: Any) -> None:
    assert IMetricsService.providedBy(service)


def test_timer_records_a_given_value_in_seconds() -> None:
    metrics = MemoryMetrics()
    assert metrics.timer("load", value=0.25, labels=[("kind", "x")]) is None
    assert metrics.samples == [("timer", "load.x", 0.25)]


def test_timer_is_a_context_manager() -> None:
    metrics = MemoryMetrics()
    with metrics.timer("block"):
        pass
    [sample] = metrics.samples
    assert sample.kind == "timer" and sample.name == "block" and sample.value >= 0


def test_timer_is_a_decorator_timing_each_call() -> None:
    metrics = MemoryMetrics()

    @metrics.timer("work", labels=[("step", "one")])
    def work(n: int) -> int:
        return n * 2

    assert work(2) == 4
    assert work(3) == 6
    assert metrics.names("timer") == ["work.one", "work.one"]


def test_timer_records_even_when_the_block_raises() -> None:
    metrics = MemoryMetrics()
    with pytest.raises(ValueError), metrics.timer("failing"):
        raise ValueError
    assert metrics.names() == ["failing"]


def test_count_and_observe() -> None:
    metrics = MemoryMetrics()
    metrics.count("users")
    metrics.count("authentication", count=3, unique=[("type", "basicauth")])
    metrics.observe("size", 512, labels=[("endpoint", "hello")])
    assert metrics.samples == [
        ("counter", "users", 1),
        ("counter", "authentication.basicauth", 3),
        ("histogram", "size.hello", 512),
    ]


def test_noop_service_accepts_everything() -> None:
    metrics = NoOpMetrics()
    metrics.count("a", unique="b")
    metrics.observe("a", 1)
    assert metrics.timer("a", value=1.0) is None
    with metrics.timer("a"):
        pass


@pytest.mark.parametrize(
    "url", ["http://localhost:8125", "udp://", "udp://localhost:notaport", "localhost:8125"]
)
def test_a_bad_statsd_url_fails_at_startup(url: str) -> None:
    with pytest.raises(ConfigurationError, match="statsd_url"):
        make_webtest(settings={"statsd_url": url})


def test_without_statsd_url_metrics_are_a_noop(make_app: Callable[..., webtest.TestApp]) -> None:
    app = make_app()
    metrics = get_metrics(app.app.registry)
    assert isinstance(metrics, NoOpMetrics)
    assert metrics.enabled is False


def test_get_metrics_without_a_registered_service() -> None:
    assert isinstance(get_metrics(Configurator().registry), NoOpMetrics)


# Backend instrumentation ------------------------------------------------------


def test_instrumented_backend_keeps_its_class_and_behaviour() -> None:
    from strato.storage.memory import MemoryStorage

    metrics = MemoryMetrics()
    registry = Configurator().registry
    registry.registerUtility(metrics, IMetricsService)
    storage = MemoryStorage()
    instrument_backend(storage, "storage", registry)
    instrument_backend(storage, "storage", registry)  # twice: still timed once

    assert type(storage) is MemoryStorage
    assert isinstance(storage, StorageBase)
    created = storage.create("gauge", "/p", {"x": 1})
    assert storage.get("gauge", "/p", created["id"])["x"] == 1
    names = metrics.names("timer")
    assert names.count("backend.storage.create") == 1
    assert "backend.storage.get" in names


def test_an_earlier_registered_service_is_kept_and_instruments_the_app(
    plugin_module: Callable[..., str],
) -> None:
    metrics = MemoryMetrics()

    def register(config: Configurator) -> None:
        config.registry.registerUtility(metrics, IMetricsService)

    step = plugin_module("strato_test_metrics_step", register=register)
    sequence = list(DEFAULT_INITIALIZATION_SEQUENCE)
    sequence.insert(sequence.index("strato.initialization.setup_metrics"), f"{step}.register")
    app = make_webtest(gauges_app, {**BASE_SETTINGS, "initialization_sequence": sequence})
    assert get_metrics(app.app.registry) is metrics

    app.post_json("/gauges", {"data": {"level": 3}}, headers=ALICE, status=201)
    names = metrics.names()
    assert "request_summary.POST.gauge-plural.201" in names
    assert "request_duration.POST.gauge-plural.201" in names
    assert "response_size.gauge-plural" in names
    assert "authentication.basicauth" in names
    assert "backend.storage.create" in names


# StatsD over a real UDP socket ---------------------------------------------------


@pytest.fixture
def statsd_server() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(0.3)
    yield server
    server.close()


def received(server: socket.socket) -> list[tuple[str, str]]:
    """``(name, type)`` of every metric received until the server goes quiet."""
    metrics = []
    while True:
        try:
            packet = server.recv(65535)
        except TimeoutError:
            return metrics
        for line in packet.decode("ascii").splitlines():
            name, _, rest = line.partition(":")
            value, _, kind = rest.partition("|")
            float(value)
            metrics.append((name, kind))


@pytest.fixture
def statsd_app(statsd_server: socket.socket) -> Iterator[Callable[..., webtest.TestApp]]:
    apps: list[webtest.TestApp] = []

    def build(**settings: Any) -> webtest.TestApp:
        port = statsd_server.getsockname()[1]
        app = make_webtest(
            gauges_app,
            {**BASE_SETTINGS, "statsd_url": f"udp://127.0.0.1:{port}", **settings},
        )
        apps.append(app)
        return app

    yield build
    for app in apps:
        get_metrics(app.app.registry).close()


def test_statsd_receives_request_metrics(
    statsd_app: Callable[..., webtest.TestApp], statsd_server: socket.socket
) -> None:
    app = statsd_app()
    assert isinstance(get_metrics(app.app.registry), StatsDMetrics)

    app.get("/")
    app.get("/nowhere", status=404)
    assert set(received(statsd_server)) >= {
        ("testapp.request_summary.GET.hello.200", "c"),
        ("testapp.request_duration.GET.hello.200", "ms"),
        ("testapp.response_size.hello", "ms"),
        ("testapp.request_summary.GET.unknown.404", "c"),
        ("testapp.request_duration.GET.unknown.404", "ms"),
    }


def test_statsd_receives_resource_backend_and_auth_metrics(
    statsd_app: Callable[..., webtest.TestApp], statsd_server: socket.socket
) -> None:
    app = statsd_app()
    created = app.post_json("/gauges", {"data": {"level": 1}}, headers=ALICE).json["data"]
    app.get(f"/gauges/{created['id']}", headers=ALICE)
    app.get("/__heartbeat__")

    metrics = set(received(statsd_server))
    assert metrics >= {
        ("testapp.request_summary.POST.gauge-plural.201", "c"),
        ("testapp.request_summary.GET.gauge-object.200", "c"),
        ("testapp.request_summary.GET.heartbeat.200", "c"),
        ("testapp.authentication.basicauth", "c"),
        ("testapp.backend.storage.create", "ms"),
        ("testapp.backend.storage.get", "ms"),
        ("testapp.backend.cache.set", "ms"),
    }
    assert any(name.startswith("testapp.backend.permission.") for name, _ in metrics)


def test_statsd_counts_anonymous_requests_without_authentication(
    statsd_app: Callable[..., webtest.TestApp], statsd_server: socket.socket
) -> None:
    app = statsd_app()
    app.get("/")
    names = [name for name, _ in received(statsd_server)]
    assert not [name for name in names if ".authentication." in name]


def test_statsd_counts_unhandled_errors_as_500(
    statsd_app: Callable[..., webtest.TestApp], statsd_server: socket.socket
) -> None:
    app = statsd_app()
    app.get("/crash", status=500)
    assert ("testapp.request_summary.GET.crash.500", "c") in received(statsd_server)


def test_statsd_prefix_setting_wins_over_the_project_name(
    statsd_app: Callable[..., webtest.TestApp], statsd_server: socket.socket
) -> None:
    app = statsd_app(statsd_prefix="edge.eu")
    app.get("/")
    assert ("edge.eu.request_summary.GET.hello.200", "c") in received(statsd_server)


def test_statsd_receives_listener_metrics(
    statsd_app: Callable[..., webtest.TestApp], statsd_server: socket.socket
) -> None:
    app = statsd_app(event_listeners="tests.listeners.sample_listener")
    app.post_json("/gauges", {"data": {"level": 1}}, headers=ALICE, status=201)
    assert set(received(statsd_server)) >= {
        ("testapp.listeners.sample_listener", "ms"),
        ("testapp.listeners.sample_listener.success", "c"),
    }


def test_statsd_client_is_closed_by_close(statsd_server: socket.socket) -> None:
    port = statsd_server.getsockname()[1]
    metrics = StatsDMetrics.from_url(f"udp://127.0.0.1:{port}", prefix="p")
    metrics.count("before")
    metrics.close()
    metrics.count("after")  # dropped, never raises
    assert received(statsd_server) == [("p.before", "c")]
