"""Per-request profiling through ``install_middlewares`` (``profiler_enabled``)."""

from __future__ import annotations

import pstats
from pathlib import Path

import pytest

from strato.monitoring.profiling import profile_filename
from strato.testing import make_webtest

NO_BACKENDS = {"storage_backend": "", "permission_backend": "", "cache_backend": ""}


def profiled_app(directory: Path) -> object:
    return make_webtest(
        settings={**NO_BACKENDS, "profiler_enabled": "true", "profiler_dir": str(directory)}
    )


def test_each_request_leaves_a_readable_profile(tmp_path: Path) -> None:
    app = profiled_app(tmp_path)
    app.get("/")
    app.get("/")
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".prof" and f.name.startswith("GET.v1.") for f in files)
    stats = pstats.Stats(str(files[0]))
    assert stats.total_calls > 0


def test_the_profile_folder_is_created(tmp_path: Path) -> None:
    directory = tmp_path / "profiles" / "today"
    profiled_app(directory).get("/__heartbeat__")
    assert [p.suffix for p in directory.iterdir()] == [".prof"]


def test_profiling_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profiled_app(tmp_path).get("/")
    assert capsys.readouterr().out == ""


def test_a_hostile_path_still_gives_a_file_inside_the_folder(tmp_path: Path) -> None:
    app = profiled_app(tmp_path)
    app.get("/" + "..%2F" * 3 + "x" * 300 + "%00", status=404)
    [written] = list(tmp_path.iterdir())
    assert written.parent == tmp_path
    assert len(written.name) < 200


def test_without_the_setting_nothing_is_written(tmp_path: Path) -> None:
    make_webtest(settings={**NO_BACKENDS, "profiler_dir": str(tmp_path)}).get("/")
    assert list(tmp_path.iterdir()) == []


def test_profile_filename_is_safe_and_unique() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/v1/../etc/passwd\x00",
        "werkzeug.profiler": {"elapsed": 12.4, "time": 1712345678.5},
    }
    first = profile_filename(environ)
    assert first.startswith("GET.v1....etc.passwd_.12ms.1712345678500.")
    assert "/" not in first and first.endswith(".prof")
    assert profile_filename(environ) != first
