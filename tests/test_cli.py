"""The ``strato`` command, run on an INI file pointing at SQLite databases.

The INI's application is :func:`main` below (``use = call:<this module>:main``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pyramid.config import Configurator
from pyramid.paster import get_app
from sqlalchemy import update

import strato
from strato import cli
from strato.resource import Resource, register_resource
from strato.sql import SchemaError, SQLClient, build_engine
from strato.sql.engine import EngineSettings
from strato.sql.schema import objects
from strato.storage import sql as storage_sql
from strato.storage.sql import SQLStorage

DAY_MS = 86_400_000


class Note(Resource):
    pass


def main(global_config: dict[str, Any], **settings: Any) -> Any:
    """The application of the test INI files."""
    config = Configurator(settings=settings)
    strato.initialize(config, version="1.0.0", project_name="clitest", environ={})
    register_resource(config, Note)
    return config.make_wsgi_app()


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "service.ini"
    path.write_text(
        f"""
[app:main]
use = call:{__name__}:main
storage_backend = strato.storage.sql
storage_url = sqlite:///{tmp_path / "strato.sqlite"}
permission_backend = strato.permission.sql
permission_url = sqlite:///{tmp_path / "strato.sqlite"}
cache_backend = strato.cache.sql
cache_url = sqlite:///{tmp_path / "cache.sqlite"}
multiauth.policies = basicauth
userid_hmac_secret = secret
"""
    )
    return path


def _storage(ini: Path) -> SQLStorage:
    url = f"sqlite:///{ini.parent / 'strato.sqlite'}"
    return SQLStorage(SQLClient(build_engine(EngineSettings(url=url))))


def test_parse_duration() -> None:
    assert cli.parse_duration("30d") == 30 * 86400
    assert cli.parse_duration("12h") == 12 * 3600
    assert cli.parse_duration(" 90m ") == 5400
    assert cli.parse_duration("45s") == 45
    assert cli.parse_duration("2w") == 14 * 86400
    for bad in ("", "30", "d", "1.5d", "-3d", "3 days"):
        with pytest.raises(ValueError):
            cli.parse_duration(bad)


def test_the_application_refuses_to_start_before_migrate(ini: Path) -> None:
    with pytest.raises(SchemaError, match="strato migrate"):
        get_app(str(ini))


def test_migrate_then_the_application_starts(ini: Path) -> None:
    assert cli.main(["migrate", "--ini", str(ini)]) == 0
    assert get_app(str(ini)) is not None
    assert cli.main(["migrate", "--ini", str(ini)]) == 0


def test_migrate_dry_run_changes_nothing(ini: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert cli.main(["migrate", "--ini", str(ini), "--dry-run"]) == 0
    assert "Would apply storage 0001" in caplog.text
    with pytest.raises(SchemaError):
        get_app(str(ini))


def _fill(storage: SQLStorage) -> dict[str, list[str]]:
    """Live objects (some with old timestamps) and old and recent tombstones."""
    old = time.time_ns() // 1_000_000 - 40 * DAY_MS
    ids: dict[str, list[str]] = {"live": [], "old": [], "recent": []}
    for parent in ("a", "b"):
        for n in range(3):
            live = storage.create("note", parent, {"id": f"live-{n}", "last_modified": old - n})
            ids["live"].append(f"{parent}/{live['id']}")
        for n in range(4):
            storage.create("note", parent, {"id": f"old-{n}"})
            storage.delete("note", parent, f"old-{n}")
            ids["old"].append(f"{parent}/old-{n}")
        for n in range(2):
            storage.create("note", parent, {"id": f"recent-{n}"})
            storage.delete("note", parent, f"recent-{n}")
            ids["recent"].append(f"{parent}/recent-{n}")
    with storage.client.connect(write=True) as conn:
        conn.execute(
            update(objects)
            .where(objects.c.id.like("old-%"))
            .values(last_modified=objects.c.last_modified - 40 * DAY_MS)
        )
    return ids


def _listed(storage: SQLStorage) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"live": [], "deleted": []}
    for obj in storage.list_all("note", "*", include_deleted=True):
        found["deleted" if obj.get("deleted") else "live"].append(obj["id"])
    return found


def test_purge_deleted_older_than(ini: Path) -> None:
    cli.main(["migrate", "--ini", str(ini)])
    storage = _storage(ini)
    ids = _fill(storage)
    assert cli.main(["purge-deleted", "--ini", str(ini), "--older-than", "30d"]) == 0
    listed = _listed(storage)
    assert len(listed["live"]) == len(ids["live"])
    assert sorted(set(listed["deleted"])) == ["recent-0", "recent-1"]
    assert len(listed["deleted"]) == len(ids["recent"])


def test_purge_deleted_keeps_the_newest_per_collection(ini: Path) -> None:
    cli.main(["migrate", "--ini", str(ini)])
    storage = _storage(ini)
    ids = _fill(storage)
    assert cli.main(["purge-deleted", "--ini", str(ini), "--max-per-collection", "1"]) == 0
    listed = _listed(storage)
    assert len(listed["live"]) == len(ids["live"])
    assert listed["deleted"] == ["recent-1", "recent-1"]


def test_purge_deleted_of_one_resource(ini: Path) -> None:
    cli.main(["migrate", "--ini", str(ini)])
    storage = _storage(ini)
    _fill(storage)
    storage.create("other", "a", {"id": "x"})
    storage.delete("other", "a", "x")
    args = ["purge-deleted", "--ini", str(ini), "--max-per-collection", "0", "--resource", "other"]
    assert cli.main(args) == 0
    assert storage.list_all("other", "a", include_deleted=True) == []
    assert len(_listed(storage)["deleted"]) == 12


def test_purge_deleted_works_in_committed_batches(
    ini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.main(["migrate", "--ini", str(ini)])
    storage = _storage(ini)
    _fill(storage)
    monkeypatch.setattr(storage_sql, "PURGE_BATCH_SIZE", 3)
    real_connect = SQLStorage._connect
    batches = []

    def connect(self: SQLStorage, *, write: bool) -> Any:
        batches.append(write)
        if len(batches) > 2:
            raise RuntimeError("interrupted")
        return real_connect(self, write=write)

    monkeypatch.setattr(SQLStorage, "_connect", connect)
    with pytest.raises(RuntimeError):
        cli.main(["purge-deleted", "--ini", str(ini), "--max-per-collection", "0"])
    monkeypatch.setattr(SQLStorage, "_connect", real_connect)
    # The two batches that ran before the interruption were committed.
    assert len(_listed(storage)["deleted"]) == 12 - 2 * 3
    assert cli.main(["purge-deleted", "--ini", str(ini), "--max-per-collection", "0"]) == 0
    assert _listed(storage)["deleted"] == []
    assert len(_listed(storage)["live"]) == 6


def test_purge_deleted_needs_one_criterion(ini: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["purge-deleted", "--ini", str(ini)])
    with pytest.raises(SystemExit):
        cli.main(
            ["purge-deleted", "--ini", str(ini), "--older-than", "1d", "--max-per-collection", "2"]
        )
    with pytest.raises(SystemExit):
        cli.main(["purge-deleted", "--ini", str(ini), "--older-than", "soon"])
    with pytest.raises(SystemExit):
        cli.main(["purge-deleted", "--ini", str(ini), "--max-per-collection", "-1"])


def test_flush_cache(ini: Path) -> None:
    cli.main(["migrate", "--ini", str(ini)])
    from strato.cache.sql import SQLCache

    url = f"sqlite:///{ini.parent / 'cache.sqlite'}"
    cache = SQLCache(SQLClient(build_engine(EngineSettings(url=url))))
    cache.set("key", "value", 60)
    assert cli.main(["flush-cache", "--ini", str(ini)]) == 0
    assert cache.get("key") is None


def test_the_console_script(ini: Path) -> None:
    script = Path(sys.executable).parent / "strato"
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent), str(here)])}
    done = subprocess.run(
        [str(script), "migrate", "--ini", str(ini)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert get_app(str(ini)) is not None
