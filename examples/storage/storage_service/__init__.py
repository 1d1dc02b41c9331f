"""A Kinto-compatible JSON storage service, built only on strato's public API.

Clients written for Kinto (kinto-http, kinto.js) talk to it unchanged:
buckets hold groups and collections, collections hold records, and
permissions granted on a parent flow down to its children (see
:mod:`storage_service.authorization`). Optional parts, each behind a
setting:

- ``default_bucket_enabled`` (on): ``/buckets/default``, a personal bucket
  per user (:mod:`storage_service.default_bucket`);
- ``accounts_enabled``: ``/accounts`` and password authentication
  (:mod:`storage_service.accounts`);
- ``experimental_collection_schema_validation``: records (and collections,
  groups) validated by JSON schemas (:mod:`storage_service.validation`);
- ``experimental_permissions_endpoint``: ``GET /permissions``
  (:mod:`storage_service.permissions_endpoint`);
- ``flush_endpoint_enabled``: ``POST /__flush__`` empties everything
  (:mod:`strato.plugins.flush`; test servers only).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator

import strato
from storage_service.authorization import bound_permissions
from storage_service.validation import SETTING as SCHEMA_VALIDATION
from strato.settings import Setting, as_bool, as_int, as_str

__all__ = ["DEFAULT_SETTINGS", "__version__", "includeme", "main"]

__version__ = "0.1.0"

_NAMES = "strato.storage.generators.NameGenerator"

#: What this service sets differently from strato, and its own settings.
DEFAULT_SETTINGS: dict[str, Any] = {
    "http_api_version": "1.23",
    "retry_after_seconds": 3,
    "bucket_create_principals": "system.Authenticated",
    "permissions_read_principals": "system.Everyone",
    "bucket_id_generator": _NAMES,
    "collection_id_generator": _NAMES,
    "group_id_generator": _NAMES,
    "record_id_generator": "strato.storage.generators.RelaxedUUID",
    "default_bucket_enabled": Setting(
        as_bool, True, "Serve /buckets/default, a personal bucket per authenticated user."
    ),
    "default_bucket_hmac_secret": Setting(
        as_str, "", "Secret deriving personal bucket ids (empty: userid_hmac_secret)."
    ),
    "accounts_enabled": Setting(
        as_bool, False, "Serve /accounts (also configure the AccountsPolicy auth policy)."
    ),
    "account_cache_ttl_seconds": Setting(
        as_int, 30, "Seconds a verified account password is remembered in the cache.", 0
    ),
    SCHEMA_VALIDATION: Setting(
        as_bool, False, "Validate records (and collections, groups) with JSON schemas."
    ),
    "experimental_permissions_endpoint": Setting(as_bool, False, "Serve GET /permissions."),
    "flush_endpoint_enabled": Setting(
        as_bool, False, "Serve POST /__flush__, which lets anyone delete all data."
    ),
}


def includeme(config: Configurator) -> None:
    """Wire the service on a ``config`` already initialized by strato."""
    settings = config.get_settings()
    config.set_bound_permissions(bound_permissions)
    if settings["default_bucket_enabled"]:
        # Before the bucket routes: /buckets/default must not reach them.
        config.include("storage_service.default_bucket")
    if settings["accounts_enabled"]:
        config.include("storage_service.accounts")
    config.scan("storage_service.views")
    if settings["experimental_permissions_endpoint"]:
        config.include("storage_service.permissions_endpoint")
    if settings["flush_endpoint_enabled"]:
        config.include("strato.plugins.flush")
    if settings[SCHEMA_VALIDATION]:
        config.add_api_capability(
            "schema",
            description="Records, collections and groups are validated by JSON schemas "
            "stored on their collection or bucket.",
            url="https://kinto.readthedocs.io/en/stable/api/1.x/collections.html",
        )


def main(global_config: dict[str, Any] | None = None, **settings: Any) -> Any:
    """Paste app factory: ``use = egg:strato-example-storage``."""
    config = Configurator(settings=settings)
    strato.initialize(
        config,
        version=__version__,
        project_name="storage",
        default_settings=DEFAULT_SETTINGS,
    )
    config.include(includeme)
    return strato.install_middlewares(config.make_wsgi_app(), config.get_settings())
