"""``GET /__api__``: an OpenAPI 3.1 description of the running service.

The document is generated from the cornice services the application
registered (strato's own and the resources') and the colander schemas of
resources. It is built once per application and cached. It lists every
status an operation can answer, with the JSON error schema for errors, so
a contract-testing tool can hold the service to it.
"""

from __future__ import annotations

import copy
from typing import Any

import colander
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from strato.components import get_components
from strato.service import Service

openapi = Service(name="openapi", path="/__api__", description="OpenAPI description")

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_STANDARD_ERRORS = {
    "400": "Invalid request parameters, headers or body.",
    "401": "Authentication is required.",
    "403": "The caller is not allowed.",
    "404": "Unknown URL or object.",
    "405": "Method not allowed (readonly mode or disabled endpoint).",
    "406": "The Accept header does not allow JSON.",
    "410": "The service reached its end of life.",
    "415": "The request content type is not supported.",
    "500": "Unexpected server error.",
    "503": "A backend is unavailable; retry later.",
}
_RESOURCE_ERRORS = ("409", "412")


def _node_schema(node: colander.SchemaNode) -> dict[str, Any]:
    typ = node.typ
    schema: dict[str, Any]
    if isinstance(typ, colander.Mapping):
        properties = {child.name: _node_schema(child) for child in node.children}
        required = [c.name for c in node.children if c.required]
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        schema["additionalProperties"] = getattr(typ, "unknown", "ignore") != "raise"
    elif isinstance(typ, colander.Sequence | colander.List | colander.Set):
        items = node.children[0] if node.children else None
        schema = {"type": "array"}
        if items is not None:
            schema["items"] = _node_schema(items)
    elif isinstance(typ, colander.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(typ, colander.Integer):
        schema = {"type": "integer"}
    elif isinstance(typ, colander.Float | colander.Decimal | colander.Number):
        schema = {"type": "number"}
    elif isinstance(typ, colander.DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(typ, colander.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(typ, colander.String):
        schema = {"type": "string"}
    else:
        schema = {}
    if node.description:
        schema["description"] = str(node.description)
    return schema


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["code", "errno", "error"],
        "properties": {
            "code": {"type": "integer"},
            "errno": {"type": "integer"},
            "error": {"type": "string"},
            "message": {"type": "string"},
            "info": {"type": "string"},
            "details": {},
        },
    }


def _error_responses(codes: list[str]) -> dict[str, Any]:
    return {
        code: {
            "description": _STANDARD_ERRORS.get(code, "Error."),
            "content": {"application/json": {"schema": _ERROR_REF}},
        }
        for code in codes
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _resource_parts(service: Any) -> tuple[str, dict[str, Any]]:
    resource = service.resource
    name = resource.name
    data = _node_schema(resource.schema())
    data.setdefault("properties", {})
    stored = copy.deepcopy(data)
    stored["properties"]["id"] = {"type": "string"}
    stored["properties"]["last_modified"] = {"type": "integer"}
    stored.pop("required", None)
    return name, stored


def _path_parameters(path: str) -> list[dict[str, Any]]:
    params = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            params.append(
                {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
            )
    return params


_LIST_PARAMETERS = [
    {"name": "_sort", "in": "query", "schema": {"type": "string"}},
    {"name": "_limit", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "_token", "in": "query", "schema": {"type": "string"}},
    {"name": "_since", "in": "query", "schema": {"type": "string"}},
    {"name": "_before", "in": "query", "schema": {"type": "string"}},
    {"name": "_fields", "in": "query", "schema": {"type": "string"}},
]
_ETAG = {"type": "string", "pattern": '^("[0-9]+"|\\*)$'}
_PRECONDITIONS = [
    {"name": "If-Match", "in": "header", "schema": _ETAG},
    {"name": "If-None-Match", "in": "header", "schema": _ETAG},
]


def _resource_operations(
    service: Any, methods: list[str], schemas: dict[str, Any]
) -> dict[str, Any]:
    name, stored = _resource_parts(service)
    ref_name = name.replace("-", "_").capitalize()
    schemas[ref_name] = stored
    ref = {"$ref": f"#/components/schemas/{ref_name}"}
    permissions = {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    }
    single = {
        "type": "object",
        "properties": {"data": ref, "permissions": permissions},
        "required": ["data"],
    }
    plural = {
        "type": "object",
        "properties": {"data": {"type": "array", "items": ref}},
        "required": ["data"],
    }
    body: dict[str, Any] = {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"data": {"type": "object"}, "permissions": permissions},
                    "additionalProperties": False,
                }
            }
        },
    }
    common = ["400", "401", "403", "404", "405", "406", "410", "500", "503"]
    operations: dict[str, Any] = {}
    is_plural = service.type == "plural"
    for method in methods:
        op: dict[str, Any] = {"tags": [name], "parameters": []}
        responses: dict[str, Any] = {}
        codes = list(common)
        if is_plural:
            op["operationId"] = {
                "GET": f"get_{name}s",
                "HEAD": f"count_{name}s",
                "POST": f"create_{name}",
                "DELETE": f"delete_{name}s",
            }[method]
            if method in ("GET", "HEAD", "DELETE"):
                op["parameters"] += copy.deepcopy(_LIST_PARAMETERS)
            if method in ("GET", "HEAD"):
                responses["200"] = _json(plural, "A page of objects.")
                responses["304"] = {"description": "Not modified."}
            elif method == "DELETE":
                responses["200"] = _json(plural, "Tombstones of deleted objects.")
            else:
                responses["200"] = _json(single, "The existing object.")
                responses["201"] = _json(single, "Created.")
                op["requestBody"] = body
                codes.append("415")
        else:
            op["operationId"] = {
                "GET": f"get_{name}",
                "PUT": f"update_{name}",
                "PATCH": f"patch_{name}",
                "DELETE": f"delete_{name}",
            }[method]
            responses["200"] = _json(single, "The object.")
            if method == "GET":
                responses["304"] = {"description": "Not modified."}
                op["parameters"].append(copy.deepcopy(_LIST_PARAMETERS[-1]))
            if method == "PUT":
                responses["201"] = _json(single, "Created.")
            if method in ("PUT", "PATCH"):
                op["requestBody"] = copy.deepcopy(body)
                if method == "PATCH":
                    op["requestBody"]["content"]["application/merge-patch+json"] = copy.deepcopy(
                        body["content"]["application/json"]
                    )
                codes.append("415")
            if method == "DELETE":
                op["parameters"].append(
                    {"name": "last_modified", "in": "query", "schema": {"type": "string"}}
                )
        op["parameters"] += copy.deepcopy(_PRECONDITIONS)
        codes += list(_RESOURCE_ERRORS)
        responses.update(_error_responses(sorted(set(codes))))
        op["responses"] = responses
        operations[method.lower()] = op
    return operations


_GENERIC = {
    "hello": ("server_info", "Utilities"),
    "heartbeat": ("__heartbeat__", "Utilities"),
    "lbheartbeat": ("__lbheartbeat__", "Utilities"),
    "version": ("__version__", "Utilities"),
    "openapi": ("get_openapi_spec", "Utilities"),
    "batch": ("batch", "Batch"),
}


def _generic_operation(service: Any, method: str) -> dict[str, Any]:
    operation_id, tag = _GENERIC.get(service.name, (f"{method.lower()}_{service.name}", "Other"))
    responses: dict[str, Any] = {"200": _json({}, "Success.")}
    if service.name == "heartbeat":
        responses["503"] = _json(
            {"type": "object", "additionalProperties": {"type": "boolean"}}, "A check failed."
        )
        responses.update(_error_responses(["410"]))
    else:
        responses.update(
            _error_responses(["400", "401", "403", "404", "405", "406", "410", "500", "503"])
        )
    if service.name == "batch":
        responses.update(_error_responses(["413", "415"]))
    op: dict[str, Any] = {"operationId": operation_id, "tags": [tag], "responses": responses}
    if service.name == "batch":
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["requests"],
                        "properties": {
                            "defaults": {"type": "object"},
                            "atomic": {"type": "boolean"},
                            "requests": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["path"],
                                    "properties": {
                                        "method": {"type": "string"},
                                        "path": {"type": "string"},
                                        "headers": {
                                            "type": "object",
                                            "additionalProperties": {"type": "string"},
                                        },
                                        "body": {"type": "object"},
                                    },
                                },
                            },
                        },
                    }
                }
            },
        }
    return op


def build_document(request: Request) -> dict[str, Any]:
    """Generate the OpenAPI document for the application serving ``request``."""
    settings = request.registry.settings
    components = get_components(request)
    prefix = request.route_path(openapi.name)[: -len("/__api__")]
    schemas: dict[str, Any] = {"Error": _error_schema()}
    paths: dict[str, Any] = {}
    services = getattr(request.registry, "cornice_services", {})
    for service in services.values():
        path = service.path
        if path is None or ":" in path:
            continue
        methods = [m for m in service.defined_methods if m not in ("OPTIONS",)]
        if getattr(service, "resource", None) is not None:
            kept = [m for m in methods if m in ("GET", "POST", "PUT", "PATCH", "DELETE")]
            item = _resource_operations(service, kept, schemas)
        else:
            item = {m.lower(): _generic_operation(service, m) for m in methods if m != "HEAD"}
        params = _path_parameters(path)
        if params:
            item["parameters"] = params
        paths[path] = item
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": settings.get("project_name") or "strato service",
            "version": str(settings.get("http_api_version", "")),
        },
        "servers": [{"url": request.application_url + prefix}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": {}},
    }
    if components.authentication_policies:
        document["components"]["securitySchemes"]["basicAuth"] = {
            "type": "http",
            "scheme": "basic",
        }
        document["security"] = [{"basicAuth": []}, {}]
    return document


@openapi.get(permission=NO_PERMISSION_REQUIRED)
def get_openapi(request: Request) -> dict[str, Any]:
    """The cached OpenAPI document (public)."""
    memo = get_components(request).memo
    if "openapi" not in memo:
        memo["openapi"] = build_document(request)
    return memo["openapi"]  # type: ignore[no-any-return]


def setup_capability(config: Any) -> None:
    """Advertise the OpenAPI document in the hello view."""
    config.add_api_capability(
        "openapi",
        description="OpenAPI 3.1 description of this service.",
        url=f"/{config.route_prefix}/__api__" if config.route_prefix else "/__api__",
    )
