"""``GET /__version__``: the build described by ``version_json_path``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import webtest

Factory = Callable[..., webtest.TestApp]

BUILD = {"name": "food", "version": "1.0.0", "commit": "abc123", "source": "https://x/food"}


@pytest.fixture
def version_file(tmp_path: Path) -> Path:
    path = tmp_path / "version.json"
    path.write_text(json.dumps(BUILD), encoding="utf-8")
    return path


def test_version_serves_the_configured_file(make_app: Factory, version_file: Path) -> None:
    response = make_app({"version_json_path": str(version_file)}).get("/__version__")
    assert response.json == BUILD
    assert response.headers["Content-Type"] == "application/json"


def test_version_is_read_once(make_app: Factory, version_file: Path) -> None:
    app = make_app({"version_json_path": str(version_file)})
    app.get("/__version__")
    version_file.unlink()
    assert app.get("/__version__").json == BUILD


def test_a_missing_file_is_a_json_404(make_app: Factory, tmp_path: Path) -> None:
    app = make_app({"version_json_path": str(tmp_path / "missing.json")})
    response = app.get("/__version__", status=404)
    assert response.json["errno"] == 111
    assert response.json["code"] == 404
    assert response.headers["Content-Type"] == "application/json"


def test_an_invalid_file_is_a_json_404_not_a_500(make_app: Factory, tmp_path: Path) -> None:
    path = tmp_path / "version.json"
    path.write_bytes(b"{not json\xff")
    response = make_app({"version_json_path": str(path)}).get("/__version__", status=404)
    assert response.json["errno"] == 111


def test_the_default_path_is_version_json_in_the_working_directory(
    make_app: Factory, version_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(version_file.parent)
    assert make_app().get("/__version__").json == BUILD
