"""``POST /batch``: several API requests in one, in one transaction.

Each subrequest runs through the router without tweens, inside the batch's
transaction, sharing ``bound_data`` (principal cache, stacked events) with
the batch. Outcomes:

- 2xx, 3xx and 4xx answers are reported per subrequest; earlier writes are
  kept (a 4xx is the client's problem with that one subrequest).
- A storage conflict (409) rolls back every write done so far. strato then
  reports every earlier write entry as a 409 too (errno 122, naming the
  subrequest that caused the rollback), so no entry claims a write that is
  not stored. Later subrequests run in a fresh transaction.
- Any 5xx fails the whole batch with that error; nothing is kept.
- With ``"atomic": true`` any non-2xx answer rolls back the whole batch:
  earlier write entries become 409 and the subrequests after the failing
  one are not run (424).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any
from urllib.parse import unquote, urlsplit

from pyramid import httpexceptions
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from strato import transaction
from strato.errors import ERRORS, http_error, json_error_handler
from strato.service import Service

logger = logging.getLogger("subrequest.summary")

batch = Service(name="batch", path="/batch", description="Batch operations")

METHODS = ("GET", "HEAD", "DELETE", "TRACE", "POST", "PUT", "PATCH")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_REQUEST_KEYS = {"method", "path", "headers", "body"}
_BATCH_KEYS = {"defaults", "requests", "atomic"}
#: Longest subrequest path accepted.
MAX_PATH_LENGTH = 8192


def _invalid(request: Request, name: str | None, description: str) -> None:
    request.errors.add("body", name, description)
    raise json_error_handler(request)


def _merge(defaults: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    merged = dict(item)
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = {**value, **merged[key]}
    return merged


def _validate_request(request: Request, index: int, item: Any, batch_path: str) -> dict[str, Any]:
    name = f"requests.{index}"
    if not isinstance(item, dict):
        _invalid(request, name, "Each request must be an object")
    unknown = sorted(set(item) - _REQUEST_KEYS)
    if unknown:
        _invalid(request, f"{name}.{unknown[0]}", f"Unrecognized keys in mapping: {unknown}")
    method = item.get("method", "GET")
    if not isinstance(method, str) or method not in METHODS:
        _invalid(request, f"{name}.method", f"method must be one of {', '.join(METHODS)}")
    path = item.get("path")
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        _invalid(request, f"{name}.path", "path must be an absolute path starting with /")
    if len(path) > MAX_PATH_LENGTH or any(c in path for c in "\r\n\x00"):
        _invalid(request, f"{name}.path", "path is invalid")
    segments = urlsplit(path).path.split("/")
    if ".." in segments or "." in segments:
        _invalid(request, f"{name}.path", "path must not contain . or .. segments")
    if batch_path in path or path.split("?")[0].rstrip("/").endswith("/batch"):
        _invalid(request, f"{name}.path", "Recursive call on /batch endpoint is forbidden.")
    headers = item.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        _invalid(request, f"{name}.headers", "headers must be an object of strings")
    if any("\r" in k + v or "\n" in k + v for k, v in headers.items()):
        _invalid(request, f"{name}.headers", "headers must not contain line breaks")
    body = item.get("body")
    if body is not None and not isinstance(body, dict | list):
        _invalid(request, f"{name}.body", "body must be a JSON object")
    return {"method": method, "path": path, "headers": headers, "body": body}


def _parse(request: Request) -> tuple[list[dict[str, Any]], bool]:
    content_type = (request.content_type or "").lower()
    if content_type != "application/json":
        request.errors.add("header", "Content-Type", "Content-Type should be application/json")
        request.errors.status = 415
        raise json_error_handler(request)
    limit_bytes = request.registry.settings.get("batch_max_body_bytes")
    size = request.content_length
    if size is None:
        size = len(request.body)
    if limit_bytes and size > int(limit_bytes):
        raise http_error(
            httpexceptions.HTTPRequestEntityTooLarge(),
            errno=ERRORS.REQUEST_TOO_LARGE,
            message=f"The batch body is limited to {limit_bytes} bytes",
        )
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        _invalid(request, None, f"Invalid JSON: {exc}")
    if not isinstance(payload, dict):
        _invalid(request, None, "The batch body must be an object")
    unknown = sorted(set(payload) - _BATCH_KEYS)
    if unknown:
        _invalid(request, unknown[0], f"Unrecognized keys in mapping: {unknown}")
    atomic = payload.get("atomic", False)
    if not isinstance(atomic, bool):
        _invalid(request, "atomic", "atomic must be a boolean")
    defaults = payload.get("defaults", {})
    if not isinstance(defaults, dict):
        _invalid(request, "defaults", "defaults must be an object")
    unknown = sorted(set(defaults) - _REQUEST_KEYS)
    if unknown:
        _invalid(request, f"defaults.{unknown[0]}", f"Unrecognized keys in mapping: {unknown}")
    requests = payload.get("requests")
    if not isinstance(requests, list):
        _invalid(request, "requests", "requests must be a list")
    limit = request.registry.settings.get("batch_max_requests")
    if limit and len(requests) > int(limit):
        _invalid(request, "requests", f"Number of requests is limited to {limit}")
    batch_path = request.route_path(batch.name)
    prefix = batch_path[: -len("/batch")]
    validated = []
    for index, item in enumerate(requests):
        merged = _merge(defaults, item) if isinstance(item, dict) else item
        sub = _validate_request(request, index, merged, batch_path)
        if not sub["path"].startswith(prefix + "/") and prefix:
            sub["path"] = prefix + sub["path"]
        if urlsplit(sub["path"]).path.rstrip("/") == batch_path:
            _invalid(
                request,
                f"requests.{index}.path",
                "Recursive call on /batch endpoint is forbidden.",
            )
        validated.append(sub)
    return validated, atomic


def _build_subrequest(request: Request, sub: dict[str, Any]) -> Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length",)}
    headers.update(sub["headers"])
    path, _, query = sub["path"].partition("?")
    subrequest = Request.blank(
        path=path,
        environ={"REQUEST_METHOD": sub["method"]},
        headers=headers,
        query_string=query,
        base_url=request.host_url,
    )
    subrequest.environ["QUERY_STRING"] = query
    if sub["body"] is not None:
        subrequest.body = json.dumps(sub["body"]).encode("utf-8")
        if "content-type" not in {k.lower() for k in sub["headers"]}:
            subrequest.content_type = "application/json"
        subrequest.charset = "utf-8"
    subrequest.parent = request
    subrequest.registry = request.registry
    return subrequest


def _run(request: Request, sub: dict[str, Any]) -> Any:
    subrequest = _build_subrequest(request, sub)
    for _ in range(3):
        try:
            response = request.invoke_subrequest(subrequest, use_tweens=False)
        except Exception:
            response = subrequest.invoke_exception_view(sys.exc_info())
        if response.status_code in (301, 302, 307, 308) and response.location:
            location = urlsplit(response.location)
            sub = {**sub, "path": location.path + (f"?{location.query}" if location.query else "")}
            subrequest = _build_subrequest(request, sub)
            continue
        break
    return subrequest, response


def _entry(subrequest: Request, response: Any) -> dict[str, Any]:
    body: Any
    if subrequest.method == "HEAD":
        body = ""
    elif (response.content_type or "").startswith("application/json"):
        try:
            body = json.loads(response.body.decode("utf-8")) if response.body else ""
        except ValueError:
            body = response.text
    else:
        body = response.text
    if response.status_code >= 400 and not isinstance(body, dict):
        body = {
            "code": response.status_code,
            "errno": ERRORS.UNDEFINED.value,
            "error": response.title,
        }
    headers = {k: v for k, v in response.headers.items()}
    return {
        "status": response.status_code,
        "path": unquote(subrequest.path),
        "headers": headers,
        "body": body,
    }


def _rolled_back(entry: dict[str, Any], cause_index: int, retry_after: str) -> dict[str, Any]:
    body = {
        "code": 409,
        "errno": ERRORS.CONSTRAINT_VIOLATED.value,
        "error": "Conflict",
        "message": (
            f"This write was rolled back because subrequest {cause_index} failed; please retry."
        ),
    }
    return {
        "status": 409,
        "path": entry["path"],
        "headers": {"Content-Type": "application/json", "Retry-After": retry_after},
        "body": body,
    }


@batch.post(permission=NO_PERMISSION_REQUIRED)
def post_batch(request: Request) -> dict[str, Any]:
    """Run the subrequests in order; see the module documentation for outcomes."""
    subs, atomic = _parse(request)
    request.log_context(batch_size=len(subs))
    tx = transaction.current()
    retry_after = str(request.registry.settings.get("retry_after_seconds", 30))
    responses: list[dict[str, Any]] = []
    pending_writes: list[int] = []

    for index, sub in enumerate(subs):
        subrequest, response = _run(request, sub)
        entry = _entry(subrequest, response)
        logger.info(
            "subrequest.summary",
            extra={"method": sub["method"], "path": entry["path"], "code": entry["status"]},
        )
        status = entry["status"]
        if status >= 500:
            raise response
        failed = status == 409 or (atomic and status >= 300)
        if failed:
            if tx is not None:
                tx.restart()
            request.bound_data.pop("resource_events", None)
            for earlier in pending_writes:
                responses[earlier] = _rolled_back(responses[earlier], index, retry_after)
            pending_writes = []
            responses.append(entry)
            if atomic:
                if tx is not None:
                    tx.doom()
                for rest in subs[index + 1 :]:
                    responses.append(
                        {
                            "status": 424,
                            "path": unquote(rest["path"].split("?")[0]),
                            "headers": {"Content-Type": "application/json"},
                            "body": {
                                "code": 424,
                                "errno": ERRORS.UNDEFINED.value,
                                "error": "Failed Dependency",
                                "message": f"Not run: subrequest {index} failed in an "
                                "atomic batch.",
                            },
                        }
                    )
                break
            continue
        if sub["method"] in WRITE_METHODS and status < 300:
            pending_writes.append(len(responses))
        responses.append(entry)
    return {"responses": responses}


def setup_capability(config: Any) -> None:
    """Advertise the atomic batch extension."""
    config.add_api_capability(
        "batch_atomic",
        description='A batch with "atomic": true rolls back entirely when one '
        "subrequest does not succeed.",
        url="",
    )
