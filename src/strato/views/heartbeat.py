"""Health checks for load balancers and monitoring."""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any

from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from strato.components import get_components
from strato.service import Service

logger = logging.getLogger(__name__)

heartbeat = Service(name="heartbeat", path="/__heartbeat__", description="Server health")
lbheartbeat = Service(name="lbheartbeat", path="/__lbheartbeat__", description="Web head health")


def _run(check: Any, request: Request) -> bool:
    try:
        return check(request) in (True, None)
    except Exception:
        logger.exception("Heartbeat check failed")
        return False


@heartbeat.get(permission=NO_PERMISSION_REQUIRED)
def get_heartbeat(request: Request) -> dict[str, bool]:
    """Run every registered check concurrently; 503 if any is not healthy.

    Each check gets ``heartbeat_timeout_seconds``; one that times out or
    raises reports ``false``. Checks run in worker threads, outside the
    request's transaction, so they never hold its locks.
    """
    checks = dict(get_components(request).heartbeats)
    timeout = float(request.registry.settings.get("heartbeat_timeout_seconds", 10))
    status: dict[str, bool] = {}
    if checks:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(checks))
        try:
            futures = {name: pool.submit(_run, check, request) for name, check in checks.items()}
            done, _ = concurrent.futures.wait(futures.values(), timeout=timeout)
            for name, future in futures.items():
                status[name] = future in done and future.result() is True
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    if not all(status.values()):
        request.response.status = 503
    return status


@lbheartbeat.get(permission=NO_PERMISSION_REQUIRED)
def get_lbheartbeat(request: Request) -> dict[str, Any]:
    """Always 200: the process answers HTTP."""
    return {}
