"""Metrics: a small interface, a no-op default, StatsD when configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyramid.config import Configurator
from zope.interface import Interface

__all__ = ["IMetricsService", "NoOpMetrics", "get_metrics", "setup"]


class IMetricsService(Interface):
    """Marker interface of the metrics utility."""


class NoOpMetrics:
    """Accepts every metric and records nothing (the default)."""

    def count(self, key: str, count: int = 1, unique: Any = None) -> None:
        return None

    def observe(self, key: str, value: float, labels: Any = ()) -> None:
        return None

    @contextmanager
    def timer(self, key: str, value: float | None = None, labels: Any = ()) -> Iterator[None]:
        yield


def get_metrics(registry: Any) -> Any:
    """The metrics service of an application (no-op when none configured)."""
    service = registry.queryUtility(IMetricsService)
    return service if service is not None else NoOpMetrics()


def setup(config: Configurator) -> None:
    """Register the no-op metrics service unless one is registered already."""
    if config.registry.queryUtility(IMetricsService) is None:
        config.registry.registerUtility(NoOpMetrics(), IMetricsService)
