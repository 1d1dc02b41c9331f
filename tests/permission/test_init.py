import inspect
import types

import pytest
from pyramid.registry import Registry
from pyramid.request import Request

import strato.permission
import strato.permission.memory
import strato.permission.testing
from strato.permission import PermissionBase, compile_object_id_pattern, heartbeat
from strato.permission.memory import MemoryPermission


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
    [strato.permission, strato.permission.memory, strato.permission.testing],
    ids=lambda module: module.__name__,
)
def test_all_lists_the_public_names_sorted(module: types.ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) == public_names(module) | _reexported(module)


def _reexported(module: types.ModuleType) -> set[str]:
    # The suite package gathers its topic classes from submodules.
    if module is strato.permission.testing:
        return {"AccessSuite", "AceSuite", "InterfaceSuite", "PurgeSuite", "UserPrincipalsSuite"}
    return set()


def test_memory_backend_implements_every_abstract_method() -> None:
    assert not inspect.isabstract(MemoryPermission)
    assert issubclass(MemoryPermission, PermissionBase)


def test_base_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError):
        PermissionBase()  # type: ignore[abstract]


@pytest.mark.parametrize(
    ("pattern", "with_children", "object_id", "matches"),
    [
        ("/buckets/b1", True, "/buckets/b1", True),
        ("/buckets/b1", True, "/buckets/b10", False),
        ("/buckets/*", True, "/buckets/b1/collections/c1", True),
        ("/buckets/*", False, "/buckets/b1/collections/c1", False),
        ("/buckets/*", False, "/buckets/b1", True),
        ("/buckets/*", False, "/buckets/", False),
        ("/buckets/b1*", True, "/buckets/b1", True),
        ("/buckets/a.c", True, "/buckets/abc", False),
        ("/buckets/(b)+", True, "/buckets/(b)+", True),
    ],
)
def test_compile_object_id_pattern(
    pattern: str, with_children: bool, object_id: str, matches: bool
) -> None:
    regex = compile_object_id_pattern(pattern, with_children=with_children)
    assert bool(regex.fullmatch(object_id)) is matches


def request_with(settings: dict[str, object] | None) -> Request:
    request = Request.blank("/__heartbeat__")
    request.registry = Registry("test")
    request.registry.settings = settings
    return request


class WritesForbidden(MemoryPermission):
    def add_user_principal(self, user_id: str, principal: str) -> None:
        raise RuntimeError("read-only replica")


def test_heartbeat_only_reads_in_readonly_mode() -> None:
    check = heartbeat(WritesForbidden())
    assert check(request_with({"readonly": "true"})) is True
    assert check(request_with({"readonly": False})) is False


def test_heartbeat_tolerates_missing_settings() -> None:
    assert heartbeat(MemoryPermission())(request_with(None)) is True


def test_heartbeat_reports_failure_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert heartbeat(WritesForbidden())(request_with({})) is False
    assert "heartbeat failed" in caplog.text
