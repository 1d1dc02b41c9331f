"""The public face of ``strato``: ``__all__`` lists exactly its public names."""

from __future__ import annotations

import inspect
import re

import strato


def public_names() -> set[str]:
    """Names a user can reach on ``strato`` that are not private or modules.

    Re-exports from strato's own modules count (plain data has no
    ``__module__`` and counts too); third-party helpers used by the module,
    like ``Configurator``, are not strato's API and are ignored.
    """
    names = set()
    for name, value in vars(strato).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        module = getattr(value, "__module__", "strato")
        if not module.startswith("strato"):
            continue
        names.add(name)
    return names


def test_all_is_sorted() -> None:
    assert strato.__all__ == sorted(strato.__all__)


def test_all_lists_exactly_the_public_names() -> None:
    assert set(strato.__all__) - {"__version__"} == public_names()


def test_every_name_in_all_exists() -> None:
    for name in strato.__all__:
        assert hasattr(strato, name), name


def test_the_design_public_face_is_exported() -> None:
    for name in (
        "Service",
        "includeme",
        "initialize",
        "install_middlewares",
        "load_default_settings",
    ):
        assert name in strato.__all__


def test_version_is_a_version_string() -> None:
    assert re.match(r"^\d+\.\d+", strato.__version__)


def test_service_is_strato_service() -> None:
    from strato.service import Service

    assert strato.Service is Service
