"""The strato tutorial service: each user keeps a list of foods they tasted."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator

import strato

__version__ = "0.1.0"


def includeme(config: Configurator) -> None:
    """Register the food views on an already initialized ``config``."""
    config.scan("food.views")


def main(global_config: dict[str, Any] | None = None, **settings: Any) -> Any:
    """Paste app factory: ``use = egg:strato-example-food``."""
    config = Configurator(settings=settings)
    strato.initialize(config, version=__version__, project_name="food")
    config.include(includeme)
    return strato.install_middlewares(config.make_wsgi_app(), config.get_settings())
