"""Colander schemas for resources and the helpers service authors use in them.

A resource's schema describes its ``data``; strato validates the envelope
(``data`` and ``permissions``) around it. Two options in an inner
``Options`` class change behaviour:

- ``preserve_unknown`` (default True): unknown fields are kept and any name
  is accepted in filters, ``_sort`` and ``_fields``. When False, unknown
  fields are silently dropped on write and unknown names in the querystring
  are a 400.
- ``readonly_fields``: fields a PATCH may not change (sending the same
  value is accepted).
"""

from __future__ import annotations

import time
import typing

import colander

__all__ = [
    "URL",
    "Any",
    "ResourceSchema",
    "TimeStamp",
]


class ResourceSchema(colander.MappingSchema):  # type: ignore[misc]
    """Base schema of a resource's ``data``."""

    class Options:
        """Per-schema options; override in a subclass's own ``Options``."""

        readonly_fields: tuple[str, ...] = ()
        preserve_unknown: bool = True

    @classmethod
    def get_option(cls, name: str) -> typing.Any:
        options = getattr(cls, "Options", ResourceSchema.Options)
        return getattr(options, name, getattr(ResourceSchema.Options, name))

    @classmethod
    def is_readonly(cls, field: str) -> bool:
        return field in cls.get_option("readonly_fields")

    def schema_type(self, **kw: typing.Any) -> colander.Mapping:
        unknown = "preserve" if self.get_option("preserve_unknown") else "ignore"
        return colander.Mapping(unknown=unknown)


class _AnyType(colander.SchemaType):  # type: ignore[misc]
    """Accepts any JSON value as it is."""

    def serialize(self, node: typing.Any, appstruct: typing.Any) -> typing.Any:
        return appstruct

    def deserialize(self, node: typing.Any, cstruct: typing.Any) -> typing.Any:
        return cstruct


class Any(colander.SchemaNode):  # type: ignore[misc]
    """A field holding any JSON value."""

    schema_type = _AnyType


class TimeStamp(colander.SchemaNode):  # type: ignore[misc]
    """Epoch milliseconds; defaults to now when missing (``auto_now``)."""

    schema_type = colander.Integer
    auto_now = True

    def deserialize(self, cstruct: typing.Any = colander.null) -> typing.Any:
        if cstruct is colander.null and self.auto_now:
            cstruct = int(time.time() * 1000)
        return super().deserialize(cstruct)


class URL(colander.SchemaNode):  # type: ignore[misc]
    """A URL string, stripped, at most 2048 characters."""

    schema_type = colander.String
    validator = colander.All(colander.url, colander.Length(min=1, max=2048))

    def preparer(self, appstruct: typing.Any) -> typing.Any:
        return appstruct.strip() if isinstance(appstruct, str) else appstruct
