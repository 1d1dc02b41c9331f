"""A service whose writes can be made to conflict, for the batch tests."""

from __future__ import annotations

from typing import Any

import colander
from pyramid.config import Configurator

from strato import resource
from strato.storage.errors import IntegrityError


class ItemSchema(resource.ResourceSchema):
    name = colander.SchemaNode(colander.String(), missing="")


@resource.register(name="item")
class Item(resource.Resource):
    """Items shared by everyone; ``{"conflict": true}`` makes a write conflict."""

    schema = ItemSchema

    def process_object(self, new: dict[str, Any], old: Any = None) -> dict[str, Any]:
        if new.get("conflict"):
            raise IntegrityError("forced conflict")
        if new.get("crash"):
            raise RuntimeError("forced crash")
        return new


def includeme(config: Configurator) -> None:
    config.scan("tests.views.batch_app")
