"""The public surface of ``strato.storage``: exports, Filter, Sort, MISSING, heartbeat."""

import inspect
from types import ModuleType, SimpleNamespace

import pytest

import strato.storage
import strato.storage.errors
import strato.storage.generators
import strato.storage.memory
import strato.storage.testing
from strato.storage import (
    COMPARISON,
    MISSING,
    BackendError,
    Filter,
    IntegrityError,
    ObjectModifiedError,
    ObjectNotFoundError,
    ReadonlyError,
    Sort,
    StorageBase,
    StorageError,
    UnicityError,
)
from strato.storage.memory import MemoryStorage


def public_names(module: ModuleType) -> set[str]:
    """Names a user could import: defined in strato, or constants; not modules."""
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        constant = isinstance(value, str | int) and not isinstance(value, bool)
        if constant or getattr(value, "__module__", "").startswith("strato."):
            names.add(name)
    return names


@pytest.mark.parametrize("module", [strato.storage, strato.storage.testing])
def test_all_lists_exactly_the_public_names(module: ModuleType) -> None:
    assert set(module.__all__) == public_names(module)
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize(
    "module",
    [
        strato.storage,
        strato.storage.errors,
        strato.storage.generators,
        strato.storage.memory,
        strato.storage.testing,
    ],
)
def test_all_is_sorted(module: ModuleType) -> None:
    # isort style, as ruff keeps it: CONSTANTS, then Classes, then functions.
    def group(name: str) -> tuple[bool, bool, str]:
        return (not name.isupper(), not name[:1].isupper(), name)

    assert module.__all__ == sorted(module.__all__, key=group)


@pytest.mark.parametrize(
    "module", [strato.storage.errors, strato.storage.generators, strato.storage.memory]
)
def test_all_lists_what_the_module_defines(module: ModuleType) -> None:
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    }
    assert defined_here <= set(module.__all__)
    assert all(hasattr(module, name) for name in module.__all__)
    assert len(module.__all__) == len(set(module.__all__))


def test_storage_exports_the_errors() -> None:
    assert strato.storage.ObjectNotFoundError is strato.storage.errors.ObjectNotFoundError
    assert set(strato.storage.errors.__all__) <= set(strato.storage.__all__)


def test_error_hierarchy() -> None:
    assert issubclass(ReadonlyError, BackendError)
    assert issubclass(UnicityError, IntegrityError)
    for error in (BackendError, ObjectNotFoundError, IntegrityError, ObjectModifiedError):
        assert issubclass(error, StorageError)


def test_backend_error_message_names_the_driver_error_only() -> None:
    original = RuntimeError("SELECT secret FROM users WHERE password = 'x'")
    error = BackendError(original)
    assert error.original is original
    assert "SELECT" not in str(error) and "RuntimeError" in str(error)
    assert str(BackendError(message="Pool exhausted")) == "Pool exhausted"
    assert BackendError().original is None


def test_unicity_and_modified_errors_carry_the_existing_object() -> None:
    error = UnicityError("id", {"id": "a"})
    assert (error.field, error.existing) == ("id", {"id": "a"})
    assert ObjectModifiedError({"id": "a"}).existing == {"id": "a"}
    assert ObjectModifiedError().existing is None
    assert "a" in str(ObjectNotFoundError("a"))


def test_filter_repr() -> None:
    assert repr(Filter("age", 3, COMPARISON.GT)) == (
        "Filter(field='age', value=3, operator=COMPARISON.GT)"
    )
    assert repr(Filter("a", MISSING)) == "Filter(field='a', value=MISSING, operator=COMPARISON.EQ)"


def test_sort_repr() -> None:
    assert repr(Sort("title", -1)) == "Sort(field='title', direction=-1)"
    assert Sort("title").direction == 1


def test_filter_accepts_operator_strings() -> None:
    assert Filter("a", 1, "gt") == Filter("a", 1, COMPARISON.GT)
    assert Filter("a", 1, "gt").operator is COMPARISON.GT
    with pytest.raises(ValueError):
        Filter("a", 1, "bigger")


@pytest.mark.parametrize("operator", ["in", "exclude", "contains", "contains_any"])
def test_list_operators_need_lists(operator: str) -> None:
    assert Filter("a", [1], operator).value == [1]
    assert Filter("a", (1,), operator).value == (1,)
    with pytest.raises(TypeError):
        Filter("a", 1, operator)
    with pytest.raises(TypeError):
        Filter("a", "abc", operator)


def test_like_needs_a_string() -> None:
    with pytest.raises(TypeError):
        Filter("a", 1, "like")


def test_sort_direction_is_checked() -> None:
    with pytest.raises(ValueError):
        Sort("a", 0)  # type: ignore[arg-type]


def test_filters_and_sorts_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Filter("a", 1).field = "b"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Sort("a").direction = -1  # type: ignore[misc]


def test_comparison_values_are_querystring_prefixes() -> None:
    assert {op.value for op in COMPARISON} == {
        "lt", "min", "max", "not", "eq", "gt", "in", "exclude", "like", "has", "contains",
        "contains_any",
    }  # fmt: skip


def test_missing_is_a_named_singleton() -> None:
    assert repr(MISSING) == str(MISSING) == "MISSING"
    assert MISSING is strato.storage.MISSING
    assert MISSING != None  # noqa: E711


def test_memory_storage_implements_the_interface() -> None:
    assert issubclass(MemoryStorage, StorageBase)
    assert not inspect.isabstract(MemoryStorage)
    for name, method in inspect.getmembers(StorageBase, inspect.isfunction):
        if name.startswith("_"):
            continue
        expected = inspect.signature(method)
        actual = inspect.signature(getattr(MemoryStorage, name))
        assert list(actual.parameters) == list(expected.parameters), name
        for parameter in expected.parameters.values():
            assert actual.parameters[parameter.name].default == parameter.default, name
            assert actual.parameters[parameter.name].kind == parameter.kind, name


def test_storage_base_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError):
        StorageBase()  # type: ignore[abstract]


def test_capability_flags_are_booleans() -> None:
    for flag in ("supports_transactions", "supports_dotted_keys"):
        assert isinstance(getattr(StorageBase, flag), bool)
        assert isinstance(getattr(MemoryStorage, flag), bool)


def test_heartbeat_reports_an_unexpected_error_as_false(caplog: pytest.LogCaptureFixture) -> None:
    class Exploding(MemoryStorage):
        def list_all(self, *args: object, **kwargs: object) -> list[dict[str, object]]:
            raise RuntimeError("boom")

    request = SimpleNamespace(registry=SimpleNamespace(settings={"readonly": "true"}))
    assert strato.storage.heartbeat(Exploding())(request) is False
    assert "heartbeat" in caplog.text.lower()
