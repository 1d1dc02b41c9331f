"""The ``strato`` command: operate a service from its INI file.

- ``strato migrate --ini config.ini [--dry-run]`` creates or upgrades the
  schema of every configured backend (the application itself refuses to
  start on an outdated SQL schema);
- ``strato purge-deleted --ini config.ini --older-than 30d`` (or
  ``--max-per-collection N``) removes tombstones, never live objects;
- ``strato flush-cache --ini config.ini`` empties the cache.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Any

__all__ = ["main", "parse_duration"]

logger = logging.getLogger("strato.cli")

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """``"30d"`` → seconds. Units: s, m, h, d, w. Raises :class:`ValueError`."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(
            f"invalid duration {text!r}: expected a number and a unit (s, m, h, d, w)"
        )
    return int(match[1]) * _UNIT_SECONDS[match[2]]


#: Entry point group through which packages add ``strato`` subcommands. Each
#: entry point names a callable ``register(subparsers)`` that adds its parser
#: (with an ``--ini`` option) and sets ``handler=fn`` with
#: ``fn(env, args) -> int``, ``env`` being what ``pyramid.paster.bootstrap``
#: returns for that INI file.
COMMANDS_GROUP = "strato.commands"


def _bootstrap(ini: str) -> dict[str, Any]:
    from pyramid.paster import bootstrap, setup_logging

    setup_logging(ini)
    return bootstrap(ini)  # type: ignore[no-any-return]


def migrate(env: dict[str, Any], dry_run: bool = False) -> int:
    """Run ``initialize_schema`` on cache, storage and permission backends."""
    from strato.components import get_components

    components = get_components(env["registry"])
    readonly = env["registry"].settings.get("readonly")
    failed = False
    for kind in ("cache", "storage", "permission"):
        backend = getattr(components, kind)
        if backend is None:
            continue
        if readonly and kind != "cache":
            logger.error("Cannot migrate the %s backend in readonly mode", kind)
            failed = True
            continue
        backend.initialize_schema(dry_run=dry_run)
        if dry_run:
            logger.info("%s backend schema checked (dry run, nothing changed)", kind)
        else:
            logger.info("%s backend schema is up to date", kind)
    return 1 if failed else 0


def purge_deleted(
    env: dict[str, Any],
    *,
    older_than: int | None = None,
    max_retained: int | None = None,
    resource_names: Sequence[str] = (),
    parent_id: str = "*",
) -> int:
    """Remove tombstones older than ``older_than`` seconds, or beyond the newest
    ``max_retained`` of each collection, of ``resource_names`` (default: all).
    """
    from strato.components import get_components

    storage = get_components(env["registry"]).storage
    if storage is None:
        logger.error("No storage backend is configured")
        return 1
    before = None
    if older_than is not None:
        before = time.time_ns() // 1_000_000 - older_than * 1000
    total = 0
    names: list[str | None] = list(resource_names) or [None]
    for name in names:
        removed = storage.purge_deleted(
            resource_name=name, parent_id=parent_id, before=before, max_retained=max_retained
        )
        logger.info("Removed %d tombstones of %s", removed, name or "every resource")
        total += removed
    logger.info("Removed %d tombstones in all", total)
    return 0


def flush_cache(env: dict[str, Any]) -> int:
    """Empty the cache backend."""
    from strato.components import get_components

    cache = get_components(env["registry"]).cache
    if cache is not None:
        cache.flush()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strato", description="Operate a strato service.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_migrate = sub.add_parser("migrate", help="create or upgrade backend schemas")
    p_migrate.add_argument("--ini", default="config.ini")
    p_migrate.add_argument(
        "--dry-run", action="store_true", help="only log the steps that would run"
    )
    p_purge = sub.add_parser("purge-deleted", help="remove tombstones (never live objects)")
    p_purge.add_argument("--ini", default="config.ini")
    which = p_purge.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--older-than",
        type=parse_duration,
        metavar="DURATION",
        help="remove tombstones older than this (30d, 12h, 90m...)",
    )
    which.add_argument(
        "--max-per-collection",
        type=int,
        metavar="N",
        help="keep only the N newest tombstones of each collection",
    )
    p_purge.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="NAME",
        help="only this resource (repeatable; default: every resource)",
    )
    p_flush = sub.add_parser("flush-cache", help="empty the cache")
    p_flush.add_argument("--ini", default="config.ini")
    for entry_point in entry_points(group=COMMANDS_GROUP):
        register = entry_point.load()
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "purge-deleted" and (args.max_per_collection or 0) < 0:
        parser.error("--max-per-collection must be positive or zero")

    if args.command == "migrate":
        from strato.sql import skip_schema_check

        # The application checks its schema when it starts, which is what
        # this command is about to fix.
        with skip_schema_check():
            env = _bootstrap(args.ini)
    else:
        env = _bootstrap(args.ini)
    try:
        handler = getattr(args, "handler", None)
        if handler is not None:
            return int(handler(env, args))
        if args.command == "migrate":
            return migrate(env, dry_run=args.dry_run)
        if args.command == "purge-deleted":
            return purge_deleted(
                env,
                older_than=args.older_than,
                max_retained=args.max_per_collection,
                resource_names=args.resource,
            )
        return flush_cache(env)
    finally:
        env["closer"]()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
