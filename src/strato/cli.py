"""The ``strato`` command: operate a service from its INI file.

``strato migrate --ini config.ini [--dry-run]`` creates or upgrades the
schema of every configured backend; ``strato flush-cache`` empties the
cache; ``strato purge-deleted`` removes old tombstones.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

logger = logging.getLogger("strato.cli")


def _bootstrap(ini: str) -> dict[str, Any]:
    from pyramid.paster import bootstrap, setup_logging

    setup_logging(ini)
    return bootstrap(ini)  # type: ignore[no-any-return]


def migrate(env: dict[str, Any], dry_run: bool = False) -> int:
    """Run ``initialize_schema`` on cache, storage and permission backends."""
    from strato.components import get_components

    components = get_components(env["registry"])
    readonly = env["registry"].settings.get("readonly")
    for kind in ("cache", "storage", "permission"):
        backend = getattr(components, kind)
        if backend is None:
            continue
        if readonly and kind != "cache":
            logger.error("Cannot migrate the %s backend in readonly mode", kind)
            continue
        backend.initialize_schema(dry_run=dry_run)
        logger.info("%s backend schema is up to date%s", kind, " (dry run)" if dry_run else "")
    return 0


def flush_cache(env: dict[str, Any]) -> int:
    """Empty the cache backend."""
    from strato.components import get_components

    cache = get_components(env["registry"]).cache
    if cache is not None:
        cache.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="strato", description="Operate a strato service.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_migrate = sub.add_parser("migrate", help="create or upgrade backend schemas")
    p_migrate.add_argument("--ini", default="config.ini")
    p_migrate.add_argument("--dry-run", action="store_true")
    p_flush = sub.add_parser("flush-cache", help="empty the cache")
    p_flush.add_argument("--ini", default="config.ini")
    args = parser.parse_args(argv)

    env = _bootstrap(args.ini)
    try:
        if args.command == "migrate":
            return migrate(env, dry_run=args.dry_run)
        return flush_cache(env)
    finally:
        env["closer"]()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
