"""JSON schemas: checking the ones clients store, validating objects with them.

A collection's ``schema`` field validates its records; a bucket's
``record:schema``, ``collection:schema`` and ``group:schema`` fields
validate every object of that kind in the bucket. Schemas are checked
against their meta-schema when they are stored (draft 7 unless ``$schema``
names another draft), and applied only when the
``experimental_collection_schema_validation`` setting is on.

References (``$ref``) resolve inside the schema only: nothing is fetched
from the network.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import colander
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from strato.settings import as_bool

__all__ = [
    "SETTING",
    "InvalidObject",
    "JSONSchema",
    "check_schema",
    "validate_object",
    "validation_enabled",
]

#: The setting turning validation of objects on.
SETTING = "experimental_collection_schema_validation"


def validation_enabled(settings: Mapping[str, Any]) -> bool:
    """Is object validation on (``experimental_collection_schema_validation``)?"""
    return as_bool(settings.get(SETTING, False), SETTING)


class InvalidObject(ValueError):
    """An object does not match its schema; ``field`` names where (or None)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_schema(schema: Any) -> None:
    """Raise :class:`ValueError` unless ``schema`` is a valid JSON schema object."""
    if not isinstance(schema, dict):
        raise ValueError("A JSON schema must be an object")
    if "$schema" in schema and not isinstance(schema["$schema"], str):
        raise ValueError("$schema must be a string")
    validator_class = validator_for(schema, default=Draft7Validator)
    try:
        validator_class.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        raise ValueError(f"{where}: {exc.message}" if where else exc.message) from None
    except RecursionError:
        raise ValueError("The schema is nested too deeply") from None


class JSONSchema(colander.SchemaNode):  # type: ignore[misc]
    """A field holding a JSON schema, checked against its meta-schema."""

    def schema_type(self, **kw: Any) -> colander.Mapping:
        return colander.Mapping(unknown="preserve")

    def deserialize(self, cstruct: Any = colander.null) -> Any:
        try:
            value = super().deserialize(cstruct)
        except RecursionError:
            raise colander.Invalid(self, "Invalid JSON schema: nested too deeply") from None
        if value is colander.null or value is colander.drop:
            return value
        try:
            check_schema(value)
        except ValueError as exc:
            raise colander.Invalid(self, f"Invalid JSON schema: {exc}") from None
        return value


@functools.lru_cache(maxsize=256)
def _compiled(schema_json: str) -> Validator:
    schema = json.loads(schema_json)
    return validator_for(schema, default=Draft7Validator)(schema)  # type: ignore[no-any-return]


def validate_object(
    obj: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    ignored: Iterable[str],
    id_field: str = "id",
) -> None:
    """Raise :class:`InvalidObject` unless ``obj`` matches ``schema``.

    Fields in ``ignored`` (server-managed ones) are left out of both the
    object and the schema's ``required`` list; so is the id, unless the
    schema describes it in ``properties``.
    """
    skip = set(ignored)
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or id_field not in properties:
        skip.add(id_field)
    effective = dict(schema)
    required = effective.get("required")
    if isinstance(required, list):
        kept = [name for name in required if name not in skip]
        if kept:
            effective["required"] = kept
        else:
            effective.pop("required")
    instance = {key: value for key, value in obj.items() if key not in skip}
    validator = _compiled(json.dumps(effective, sort_keys=True))
    try:
        error = best_match(validator.iter_errors(instance))
    except Unresolvable as exc:
        raise InvalidObject("schema", f"Unresolvable reference in schema: {exc}") from None
    except RecursionError:
        raise InvalidObject(None, "The object is nested too deeply to be validated") from None
    if error is None:
        return
    field = ".".join(str(p) for p in error.absolute_path) or None
    if field is None and error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        field = str(missing[0]) if missing else None
    message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    raise InvalidObject(field, message)


#: Error messages quote the offending value; a huge one is cut.
_MAX_MESSAGE = 512
