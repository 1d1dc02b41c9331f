"""The documentation that is generated from code stays in step with it."""

from __future__ import annotations

from pathlib import Path

from strato.settings import render_settings_rst

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_settings_page_is_generated_from_the_table():
    page = (DOCS / "settings.rst").read_text()
    assert page == render_settings_rst() + "\n", "run `make docs-settings`"


def test_every_public_module_has_an_api_page_entry():
    api = (DOCS / "api.rst").read_text()
    for module in (
        "strato",
        "strato.resource",
        "strato.storage",
        "strato.permission",
        "strato.cache",
        "strato.errors",
        "strato.events",
        "strato.testing",
    ):
        assert f".. automodule:: {module}\n" in api
