"""Resources: declare a schema and a class, get the whole record protocol.

Service authors write::

    @resource.register()
    class Food(resource.UserResource):
        schema = FoodSchema

and ``config.scan()`` registers ``/foods`` and ``/foods/{id}``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable

import venusian

from strato.resource.base import Resource, ShareableResource, UserResource
from strato.resource.model import Model
from strato.resource.schema import URL, Any, ResourceSchema, TimeStamp
from strato.resource.viewset import register_resource

__all__ = [
    "URL",
    "Any",
    "Model",
    "Resource",
    "ResourceSchema",
    "ShareableResource",
    "TimeStamp",
    "UserResource",
    "register",
    "register_resource",
]

_R = typing.TypeVar("_R", bound=type)


def register(depth: int = 1, **kwargs: typing.Any) -> Callable[[_R], _R]:
    """Class decorator: register the resource when its module is scanned.

    Keyword arguments are those of :func:`register_resource` (``name``,
    ``plural_path``, ``object_path``, ``plural_methods``, ``object_methods``,
    ``factory``, ``permission``, ``description``).
    """

    def wrapped(resource_cls: _R) -> _R:
        def callback(context: typing.Any, name: str, ob: typing.Any) -> None:
            config = context.config.with_package(info.module)
            register_resource(config, resource_cls, **kwargs)

        info = venusian.attach(resource_cls, callback, category="pyramid", depth=depth)
        return resource_cls

    return wrapped
