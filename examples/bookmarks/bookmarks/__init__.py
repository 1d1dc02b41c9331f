"""Bookmarks: each user keeps private bookmarks, at most one per URL.

Run it with a paste INI file (``use = egg:strato-example-bookmarks``) or
build the WSGI app directly::

    from bookmarks import main
    app = main({}, storage_backend="strato.storage.memory",
               multiauth.policies="basicauth", ...)

The API is served under ``/v0``: ``/v0/bookmarks`` and ``/v0/bookmarks/{id}``.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator

import strato

__version__ = "0.1.0"


def includeme(config: Configurator) -> None:
    """Register the bookmark views on an already initialized ``config``."""
    config.scan("bookmarks.views")


def main(global_config: dict[str, Any] | None = None, **settings: Any) -> Any:
    """Paste app factory: ``use = egg:strato-example-bookmarks``."""
    config = Configurator(settings=settings)
    strato.initialize(config, version=__version__, project_name="bookmarks")
    config.include(includeme)
    return strato.install_middlewares(config.make_wsgi_app(), config.get_settings())
