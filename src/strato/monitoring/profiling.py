"""Per-request profiling with werkzeug's profiler (``profiler_enabled``).

Each request served through the wrapped application leaves one
``cProfile`` file in ``profiler_dir``, named after the method, the path
and the time taken, e.g. ``GET.v1.articles.12ms.1712345678123.3f9c.prof``;
read it with ``python -m pstats`` or snakeviz. Nothing is printed.
Profiling slows every request down: turn it on to investigate, not in
production.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from strato.settings import SETTINGS, as_bool

__all__ = ["install", "profile_filename"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
_MAX_PATH_LENGTH = 80


def profile_filename(environ: Mapping[str, Any]) -> str:
    """The file name of one request's profile.

    The path is reduced to safe characters and shortened, and a random
    suffix keeps two identical requests in the same millisecond apart.
    """
    method = _UNSAFE.sub("_", str(environ.get("REQUEST_METHOD", "")))
    raw_path = str(environ.get("PATH_INFO", "")).strip("/").replace("/", ".")
    path = _UNSAFE.sub("_", raw_path)[:_MAX_PATH_LENGTH] or "root"
    measures = environ.get("werkzeug.profiler") or {}
    elapsed = float(measures.get("elapsed", 0.0))
    stamp = int(float(measures.get("time", time.time())) * 1000)
    return f"{method}.{path}.{elapsed:.0f}ms.{stamp}.{uuid.uuid4().hex[:4]}.prof"


def install(app: Any, settings: Mapping[str, Any]) -> Any:
    """Wrap ``app`` in the profiler when ``profiler_enabled``; else return it.

    ``settings`` may hold raw INI strings or loaded values. The
    ``profiler_dir`` folder is created if needed.
    """
    if not as_bool(settings.get("profiler_enabled"), "profiler_enabled"):
        return app
    from werkzeug.middleware.profiler import ProfilerMiddleware

    directory = str(settings.get("profiler_dir") or SETTINGS["profiler_dir"].default)
    os.makedirs(directory, exist_ok=True)
    # Werkzeug annotates ``filename_format`` as ``str`` but documents and
    # handles a callable taking the WSGI environ, which is what we pass.
    return ProfilerMiddleware(
        app,
        stream=None,
        profile_dir=directory,
        filename_format=profile_filename,  # type: ignore[arg-type]
    )
