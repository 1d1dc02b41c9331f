"""The ``food`` resource: served at ``/v0/food`` and ``/v0/food/{id}``."""

from __future__ import annotations

import colander

from strato import resource


class FoodSchema(resource.ResourceSchema):
    """What a food entry holds."""

    food = colander.SchemaNode(colander.String())
    taste = colander.SchemaNode(colander.String(), missing="")


@resource.register(plural_path="/food", object_path="/food/{id}")
class Food(resource.UserResource):
    """Foods tasted by the authenticated user (private to them)."""

    schema = FoodSchema
