"""Metrics: a small interface, a no-op default, StatsD when configured.

Code that wants to measure something asks :func:`get_metrics` for the
application's :class:`IMetricsService` and calls :meth:`~IMetricsService.count`,
:meth:`~IMetricsService.timer` or :meth:`~IMetricsService.observe`. Without
``statsd_url`` the service is :class:`NoOpMetrics` and strato installs no
instrumentation at all, so an unmonitored service pays nothing.

With ``statsd_url = udp://host:port``, :func:`setup` registers a
:class:`StatsDMetrics` and instruments the application:

- a tween counts and times every top-level request per endpoint (the
  cornice service or route name, ``unknown`` for a 404 without route) and
  status, and counts identified requests per authentication type;
- every public method of the storage, permission and cache backends is
  timed (``backend.<kind>.<method>``);
- listeners are timed and counted by :mod:`strato.listeners`.

Labels are ``(name, value)`` pairs. StatsD has no labels, so their values
are appended to the key, in order: ``timer("backend", labels=[("kind",
"storage"), ("method", "get")])`` is the StatsD timer ``backend.storage.get``.
Values are reduced to ``[A-Za-z0-9_-]`` so they never split or break a name.
"""

from __future__ import annotations

import functools
import inspect
import re
import time
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ContextDecorator
from typing import Any, NamedTuple, Protocol, overload
from urllib.parse import urlparse

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS
from zope.interface import Interface, implementer

from strato.components import get_components
from strato.errors import ConfigurationError

__all__ = [
    "IMetricsService",
    "Labels",
    "MemoryMetrics",
    "MetricSample",
    "MetricsService",
    "NoOpMetrics",
    "StatsDMetrics",
    "Timer",
    "get_metrics",
    "instrument_backend",
    "metric_name",
    "request_metrics_tween_factory",
    "setup",
]

#: ``(label name, value)`` pairs qualifying a metric.
Labels = Sequence[tuple[str, Any]]

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")
_TIMED_MARK = "__strato_timed__"
_BACKEND_KINDS = ("storage", "permission", "cache")
_DEFAULT_STATSD_PORT = 8125


class MetricsService(Protocol):
    """What strato and plug-ins record metrics through.

    For plug-in authors who send metrics elsewhere: implement these methods
    (start from :class:`NoOpMetrics`), declare ``@implementer(IMetricsService)``
    and register the object as the ``IMetricsService`` utility before the
    ``setup_metrics`` start-up step. No method may raise: a metrics outage
    must never fail a request.
    """

    #: False when nothing is recorded: :func:`setup` then installs no
    #: instrumentation at all.
    enabled: bool

    def count(self, key: str, count: int = 1, unique: Labels | str | None = None) -> None:
        """Add ``count`` to the counter ``key``.

        ``unique`` qualifies what is counted: label pairs (or one plain
        value) telling the occurrences apart, e.g. ``[("type", "basicauth")]``.
        """

    @overload
    def timer(self, key: str, value: None = None, labels: Labels = ()) -> Timer: ...

    @overload
    def timer(self, key: str, value: float, labels: Labels = ()) -> None: ...

    def timer(self, key: str, value: float | None = None, labels: Labels = ()) -> Timer | None:
        """Time something under ``key``.

        With ``value`` (seconds), record it and return None. Without, return
        a :class:`Timer`: a context manager and decorator recording the time
        spent inside it.
        """

    def observe(self, key: str, value: float, labels: Labels = ()) -> None:
        """Record one sample of a distribution (a size, a count per request)."""


class IMetricsService(Interface):
    """Registry key of the application's :class:`MetricsService`."""


class MetricSample(NamedTuple):
    """One value recorded by :class:`MemoryMetrics`."""

    #: ``counter``, ``timer`` (seconds) or ``histogram``.
    kind: str
    #: The flattened name (labels appended), as StatsD would see it.
    name: str
    value: float


def metric_name(key: str, labels: Labels | str | None = None) -> str:
    """``key`` with the label values appended, dot-separated and sanitized."""
    if labels is None:
        return key
    if isinstance(labels, str):
        values: Iterable[Any] = [labels]
    else:
        values = [value for _, value in labels]
    parts = [key] + [_UNSAFE.sub("_", str(value)) or "_" for value in values]
    return ".".join(parts)


class Timer(ContextDecorator):
    """Measures the time spent in a ``with`` block or a decorated function.

    Each use measures on its own, so one decorated function may run in
    several threads at once.
    """

    def __init__(self, record: Callable[[float], None]) -> None:
        self._record = record
        self._start = 0.0

    def _recreate_cm(self) -> Timer:
        return Timer(self._record)

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._record(time.perf_counter() - self._start)


class _FlatMetrics:
    """Shared front of the services that flatten labels into names."""

    enabled = True

    def count(self, key: str, count: int = 1, unique: Labels | str | None = None) -> None:
        self._counter(metric_name(key, unique), count)

    @overload
    def timer(self, key: str, value: None = None, labels: Labels = ()) -> Timer: ...

    @overload
    def timer(self, key: str, value: float, labels: Labels = ()) -> None: ...

    def timer(self, key: str, value: float | None = None, labels: Labels = ()) -> Timer | None:
        name = metric_name(key, labels)
        if value is not None:
            self._timing(name, value)
            return None
        return Timer(functools.partial(self._timing, name))

    def observe(self, key: str, value: float, labels: Labels = ()) -> None:
        self._histogram(metric_name(key, labels), value)

    def _counter(self, name: str, count: int) -> None:
        return None

    def _timing(self, name: str, seconds: float) -> None:
        return None

    def _histogram(self, name: str, value: float) -> None:
        return None


@implementer(IMetricsService)
class NoOpMetrics(_FlatMetrics):
    """Accepts every metric and records nothing (the default)."""

    enabled = False


@implementer(IMetricsService)
class MemoryMetrics(_FlatMetrics):
    """Keeps every value in :attr:`samples`: for tests and debugging."""

    def __init__(self) -> None:
        self.samples: list[MetricSample] = []

    def names(self, kind: str | None = None) -> list[str]:
        """Names recorded so far (of one ``kind`` only, if given)."""
        return [s.name for s in self.samples if kind is None or s.kind == kind]

    def _counter(self, name: str, count: int) -> None:
        self.samples.append(MetricSample("counter", name, count))

    def _timing(self, name: str, seconds: float) -> None:
        self.samples.append(MetricSample("timer", name, seconds))

    def _histogram(self, name: str, value: float) -> None:
        self.samples.append(MetricSample("histogram", name, value))


@implementer(IMetricsService)
class StatsDMetrics(_FlatMetrics):
    """Sends metrics over UDP to a StatsD server.

    Counters are StatsD counters (``|c``), timers are sent in milliseconds
    (``|ms``), and observations are sent as timers too, so the server
    aggregates them into the same count/mean/percentile series. Sending is
    fire-and-forget: an absent server loses the metrics, never a request.
    """

    def __init__(self, host: str, port: int = _DEFAULT_STATSD_PORT, prefix: str = "") -> None:
        try:
            import statsd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigurationError(
                "Setting 'statsd_url': the statsd package is not installed "
                "(pip install 'strato[monitoring]')"
            ) from exc
        self.prefix = prefix
        self._client = statsd.StatsClient(host, port, prefix=prefix or None)
        self._closed = False

    @classmethod
    def from_url(cls, url: str, prefix: str = "") -> StatsDMetrics:
        """Build from a ``udp://host:port`` URL (port 8125 when omitted)."""
        parsed = urlparse(url)
        try:
            port = parsed.port or _DEFAULT_STATSD_PORT
        except ValueError:
            port = -1
        if parsed.scheme != "udp" or not parsed.hostname or port < 0:
            raise ConfigurationError(
                f"Setting 'statsd_url': expected udp://host:port, got {url!r}"
            )
        return cls(parsed.hostname, port, prefix)

    def close(self) -> None:
        """Close the UDP socket (metrics sent afterwards are dropped)."""
        self._closed = True
        self._client.close()

    def _counter(self, name: str, count: int) -> None:
        if not self._closed:
            self._client.incr(name, count)

    def _timing(self, name: str, seconds: float) -> None:
        if not self._closed:
            self._client.timing(name, seconds * 1000)

    def _histogram(self, name: str, value: float) -> None:
        if not self._closed:
            self._client.timing(name, value)


_NO_METRICS = NoOpMetrics()


def get_metrics(registry: Any) -> MetricsService:
    """The metrics service of an application (no-op when none configured).

    Accepts a registry or a request.
    """
    registry = getattr(registry, "registry", registry)
    service: MetricsService | None = registry.queryUtility(IMetricsService)
    return service if service is not None else _NO_METRICS


def _public_methods(backend: Any) -> list[str]:
    names = []
    for name in dir(type(backend)):
        if name.startswith("_"):
            continue
        # getattr_static: never run a property just to look at it.
        if isinstance(inspect.getattr_static(backend, name), types.FunctionType):
            names.append(name)
    return names


def instrument_backend(backend: Any, kind: str, registry: Any) -> None:
    """Time every public method of ``backend`` as ``backend.<kind>.<method>``.

    The timed methods are set on the instance itself, so the object keeps
    its class (``isinstance`` checks still hold) and callers holding it see
    the timing. The metrics service is looked up at each call. Instrumenting
    twice is harmless.
    """
    for name in _public_methods(backend):
        method = getattr(backend, name)
        if getattr(method, _TIMED_MARK, False):
            continue
        labels = (("kind", kind), ("method", name))
        setattr(backend, name, _timed(method, labels, registry))


def _timed(method: Callable[..., Any], labels: Labels, registry: Any) -> Callable[..., Any]:
    @functools.wraps(method)
    def timed(*args: Any, **kwargs: Any) -> Any:
        with get_metrics(registry).timer("backend", labels=labels):
            return method(*args, **kwargs)

    setattr(timed, _TIMED_MARK, True)
    return timed


def _endpoint(request: Request) -> str:
    route = getattr(request, "matched_route", None)
    return route.name if route is not None else "unknown"


def _authn_type(request: Request) -> str | None:
    # Never fail a response for a metric: an authentication error was
    # already answered by the view.
    try:
        authn_type = getattr(request, "authn_type", None)
        if authn_type:
            return str(authn_type)
        userid = request.authenticated_userid
    except Exception:
        return None
    if not userid or ":" not in str(userid):
        return None
    return str(userid).split(":", 1)[0]


def _record_request(
    registry: Any, request: Request, response: Response | None, seconds: float
) -> None:
    metrics = get_metrics(registry)
    status = response.status_code if response is not None else 500
    endpoint = _endpoint(request)
    labels = [("method", request.method), ("endpoint", endpoint), ("status", status)]
    metrics.count("request_summary", unique=labels)
    metrics.timer("request_duration", value=seconds, labels=labels)
    size = response.content_length if response is not None else None
    if size is not None:
        metrics.observe("response_size", size, labels=[("endpoint", endpoint)])
    authn_type = _authn_type(request)
    if authn_type:
        metrics.count("authentication", unique=[("type", authn_type)])


def request_metrics_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """Tween counting and timing each request (installed by :func:`setup`)."""

    def tween(request: Request) -> Response:
        start = time.perf_counter()
        response = None
        try:
            response = handler(request)
            return response
        finally:
            _record_request(registry, request, response, time.perf_counter() - start)

    return tween


def _statsd_prefix(settings: Mapping[str, Any]) -> str:
    return str(settings.get("statsd_prefix") or settings.get("project_name") or "")


def setup(config: Configurator) -> None:
    """Register the metrics service and, when it records, instrument the app.

    A service already registered as ``IMetricsService`` (by an earlier
    start-up step) is kept; otherwise ``statsd_url`` picks StatsD, and its
    absence the no-op service.
    """
    registry = config.registry
    service = registry.queryUtility(IMetricsService)
    if service is None:
        settings = config.get_settings()
        url = settings.get("statsd_url")
        if url:
            service = StatsDMetrics.from_url(str(url), _statsd_prefix(settings))
        else:
            service = NoOpMetrics()
        registry.registerUtility(service, IMetricsService)
    if not getattr(service, "enabled", True):
        return

    components = get_components(registry)
    for kind in _BACKEND_KINDS:
        backend = getattr(components, kind)
        if backend is not None:
            instrument_backend(backend, kind, registry)
    config.add_tween(
        "strato.monitoring.metrics.request_metrics_tween_factory",
        under=("strato.monitoring.logging.request_summary_tween_factory", INGRESS),
    )
