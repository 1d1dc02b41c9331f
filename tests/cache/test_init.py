import inspect
import types

import pytest
from pyramid.registry import Registry
from pyramid.request import Request

import strato.cache
import strato.cache.memory
import strato.cache.testing
from strato.cache import CacheBase, heartbeat
from strato.cache.memory import MemoryCache


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", module.__name__) == module.__name__
    }


@pytest.mark.parametrize(
    "module",
    [strato.cache, strato.cache.memory, strato.cache.testing],
    ids=lambda module: module.__name__,
)
def test_all_lists_the_public_names_sorted(module: types.ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) == public_names(module)


def test_memory_backend_implements_every_abstract_method() -> None:
    assert not inspect.isabstract(MemoryCache)
    assert issubclass(MemoryCache, CacheBase)


def test_base_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError):
        CacheBase()  # type: ignore[abstract]


def heartbeat_request() -> Request:
    request = Request.blank("/__heartbeat__")
    request.registry = Registry("test")
    request.registry.settings = {}
    return request


class Broken(MemoryCache):
    def set(self, key: str, value: object, ttl: float) -> None:
        raise ConnectionError("cache server unreachable")


class Forgetful(MemoryCache):
    def get(self, key: str) -> object:
        return None


def test_heartbeat_uses_the_prefix() -> None:
    cache = MemoryCache(cache_prefix="svc:")
    assert heartbeat(cache)(heartbeat_request()) is True


def test_heartbeat_reports_failure_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert heartbeat(Broken())(heartbeat_request()) is False
    assert "heartbeat failed" in caplog.text


def test_heartbeat_fails_when_the_value_is_not_read_back() -> None:
    assert heartbeat(Forgetful())(heartbeat_request()) is False
