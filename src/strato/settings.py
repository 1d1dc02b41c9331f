"""The settings table, and how INI values and the environment are merged.

Every setting strato knows is declared once in :data:`SETTINGS` with its
type, default and a one-line description; the settings docs page is built
from it. Loading follows three rules:

1. An INI key may be written with or without the project prefix
   (``food.paginate_by`` or ``paginate_by``); both are stored unprefixed, and
   two spellings with different values are a :class:`ConfigurationError`.
2. An environment variable overrides the INI: ``PAGINATE_BY`` overrides
   ``paginate_by``, and the project-prefixed ``FOOD_PAGINATE_BY`` wins over
   both. Names are upper-cased with ``.`` and ``-`` turned into ``_``. The
   environment only overrides keys that exist (declared or in the INI).
3. Declared settings are cast to their type at start-up; a bad value fails
   there with a message naming the setting, the value and what was expected.

The environment is a parameter (``environ``) so tests pass a dict.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyramid.settings import aslist

from strato.errors import ConfigurationError

__all__ = [
    "SETTINGS",
    "Setting",
    "as_bool",
    "as_int",
    "as_list",
    "as_optional_int",
    "default_settings",
    "load_settings",
    "render_settings_rst",
]

_TRUE = {"true", "yes", "on", "1", "t", "y"}
_FALSE = {"false", "no", "off", "0", "f", "n", ""}


def as_bool(value: Any, name: str = "value") -> bool:
    """Cast an INI/env value to a boolean, rejecting anything ambiguous."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"Setting {name!r}: expected a boolean, got {value!r}")


def as_int(value: Any, name: str = "value") -> int:
    """Cast to an integer; booleans and fractional numbers are refused."""
    if isinstance(value, bool):
        raise ConfigurationError(f"Setting {name!r}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ConfigurationError(f"Setting {name!r}: expected an integer, got {value!r}") from None


def as_optional_int(value: Any, name: str = "value") -> int | None:
    """Like :func:`as_int`, but empty, ``None`` and ``null`` mean unset."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    return as_int(value, name)


def as_float(value: Any, name: str = "value") -> float:
    if isinstance(value, bool):
        raise ConfigurationError(f"Setting {name!r}: expected a number, got {value!r}")
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        raise ConfigurationError(f"Setting {name!r}: expected a number, got {value!r}") from None


def as_optional_float(value: Any, name: str = "value") -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    return as_float(value, name)


def as_list(value: Any, name: str = "value") -> list[str]:
    """Split a whitespace/newline (or comma) separated value into a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    text = str(value).replace(",", " ")
    return list(aslist(text))


def as_str(value: Any, name: str = "value") -> str:
    return "" if value is None else str(value)


def as_optional_str(value: Any, name: str = "value") -> str | None:
    if value is None:
        return None
    text = str(value)
    return None if text.strip().lower() in ("", "none", "null") else text


Caster = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Setting:
    """One declared setting: its type (a caster), default and description."""

    cast: Caster
    default: Any
    description: str
    #: Inclusive bounds checked at start-up for numeric settings.
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, name: str, raw: Any) -> Any:
        value = self.cast(raw, name)
        if value is not None and isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise ConfigurationError(
                    f"Setting {name!r}: {value!r} is below the minimum {self.minimum:g}"
                )
            if self.maximum is not None and value > self.maximum:
                raise ConfigurationError(
                    f"Setting {name!r}: {value!r} is above the maximum {self.maximum:g}"
                )
        return value


DEFAULT_INITIALIZATION_SEQUENCE = (
    "strato.initialization.setup_request_bound_data",
    "strato.initialization.setup_json_serializer",
    "strato.initialization.restrict_http_methods_if_readonly",
    "strato.initialization.setup_security_headers",
    "strato.initialization.setup_logging",
    "strato.initialization.setup_storage",
    "strato.initialization.setup_permission",
    "strato.initialization.setup_cache",
    "strato.initialization.setup_requests_scheme",
    "strato.initialization.setup_version_redirection",
    "strato.initialization.setup_deprecation",
    "strato.initialization.setup_authentication",
    "strato.initialization.setup_backoff",
    "strato.initialization.setup_sentry",
    "strato.initialization.setup_listeners",
    "strato.initialization.setup_metrics",
    "strato.initialization.setup_transaction",
)

#: Every setting strato declares. Plug-ins add theirs with
#: :func:`strato.load_default_settings`.
SETTINGS: dict[str, Setting] = {
    "backoff": Setting(
        as_optional_int,
        None,
        "Seconds clients should wait before their next request (Backoff header).",
        0,
        86400 * 7,
    ),
    "backoff_percentage": Setting(
        as_optional_int, None, "Percentage of responses carrying the Backoff header.", 0, 100
    ),
    "batch_max_body_bytes": Setting(
        as_optional_int,
        10 * 1024 * 1024,
        "Largest batch request body accepted (413 beyond; empty: unlimited).",
        0,
    ),
    "batch_max_requests": Setting(
        as_optional_int,
        25,
        "Maximum number of subrequests in one batch (0 or empty: unlimited).",
        0,
    ),
    "cache_backend": Setting(as_str, "", "Dotted name of the cache backend module."),
    "cache_url": Setting(as_str, "", "URL of the cache database."),
    "cache_auto_migrate": Setting(
        as_bool,
        False,
        "Create or upgrade the SQL cache schema at start-up instead of refusing to start.",
    ),
    "cache_max_overflow": Setting(
        as_optional_int,
        None,
        "SQL cache connections opened beyond the pool size under load (empty: 5).",
        0,
    ),
    "cache_pool_recycle": Setting(
        as_optional_int,
        None,
        "Seconds before a pooled SQL cache connection is replaced (empty: 3600, -1: never).",
        -1,
    ),
    "cache_prefix": Setting(as_str, "", "Prefix of every cache key."),
    "cache_max_size_bytes": Setting(as_int, 524288, "Size cap of the memory cache.", 0),
    "cache_pool_size": Setting(
        as_optional_int, None, "Most cache connections per process (empty: backend default).", 1
    ),
    "cache_pool_timeout": Setting(
        as_optional_float,
        None,
        "Seconds to wait for a free cache connection (empty: backend default).",
        0,
    ),
    "cors_origins": Setting(as_list, ["*"], "Allowed CORS origins (fnmatch globs)."),
    "cors_max_age_seconds": Setting(
        as_optional_int, 3600, "Access-Control-Max-Age of preflight responses.", 0
    ),
    "eos": Setting(as_optional_str, None, "End-of-service date (ISO 8601)."),
    "eos_message": Setting(as_optional_str, None, "Message of the end-of-service Alert header."),
    "eos_url": Setting(as_optional_str, None, "URL of the end-of-service Alert header."),
    "error_info_link": Setting(
        as_str,
        "https://github.com/strato-project/strato/issues/",
        "Link sent in the info field of 500 errors.",
    ),
    "event_listeners": Setting(as_list, [], "Names of the event listeners to load."),
    "explicit_permissions": Setting(
        as_bool, True, "Add the writer to the write ACE of objects it writes."
    ),
    "heartbeat_timeout_seconds": Setting(
        as_float, 10.0, "Time allowed to each heartbeat check.", 0
    ),
    "http_api_version": Setting(
        as_optional_str, None, "HTTP API version (default: MAJOR.MINOR of the project version)."
    ),
    "http_host": Setting(as_optional_str, None, "Host forced on generated URLs."),
    "http_scheme": Setting(as_optional_str, None, "Scheme forced on generated URLs."),
    "id_generator": Setting(
        as_str, "strato.storage.generators.UUID4", "Default object id generator."
    ),
    "includes": Setting(as_list, [], "Plug-ins to include (dotted names with an includeme)."),
    "initialization_sequence": Setting(
        as_list, list(DEFAULT_INITIALIZATION_SEQUENCE), "Ordered start-up steps."
    ),
    "json_renderer": Setting(as_str, "strato_json", "Renderer name of JSON responses."),
    "logging_renderer": Setting(
        as_str, "json", "Log output: json (production) or console (development)."
    ),
    "multiauth.policies": Setting(
        as_list, [], "Names of the authentication policies, in priority order."
    ),
    "multiauth.groupfinder": Setting(
        as_str,
        "strato.authorization.groupfinder",
        "Callable returning the extra principals of a user.",
    ),
    "multiauth.authorization_policy": Setting(
        as_str, "strato.authorization.AuthorizationPolicy", "Authorization policy class."
    ),
    "paginate_by": Setting(as_optional_int, None, "Default and maximum page size.", 1),
    "pagination_token_secret": Setting(
        as_str,
        "",
        "Key of pagination token signatures (default: derived from userid_hmac_secret).",
    ),
    "pagination_token_validity_seconds": Setting(as_int, 600, "Lifetime of pagination tokens.", 1),
    "permission_backend": Setting(as_str, "", "Dotted name of the permission backend module."),
    "permission_url": Setting(as_str, "", "URL of the permission database."),
    "permission_auto_migrate": Setting(
        as_bool,
        False,
        "Create or upgrade the SQL permission schema at start-up instead of refusing to start.",
    ),
    "permission_max_overflow": Setting(
        as_optional_int,
        None,
        "SQL permission connections opened beyond the pool size under load (empty: 5).",
        0,
    ),
    "permission_pool_recycle": Setting(
        as_optional_int,
        None,
        "Seconds before a pooled SQL permission connection is replaced (empty: 3600, -1: never).",
        -1,
    ),
    "permission_pool_size": Setting(
        as_optional_int,
        None,
        "Most permission connections per process (empty: backend default).",
        1,
    ),
    "permission_pool_timeout": Setting(
        as_optional_float,
        None,
        "Seconds to wait for a free permission connection (empty: backend default).",
        0,
    ),
    "profiler_dir": Setting(as_str, tempfile.gettempdir(), "Folder of profiler output."),
    "profiler_enabled": Setting(as_bool, False, "Profile every request with werkzeug's profiler."),
    "project_docs": Setting(as_str, "", "URL of the service documentation."),
    "project_name": Setting(as_str, "", "Name of the service."),
    "project_version": Setting(as_str, "", "Version of the service."),
    "readonly": Setting(as_bool, False, "Refuse every write."),
    "retry_after_seconds": Setting(as_int, 30, "Retry-After value on 503 and 409.", 0),
    "root_cache_expires_seconds": Setting(
        as_int, 86400, "Cache lifetime of the hello view in readonly mode.", 0
    ),
    "sentry_dsn": Setting(as_optional_str, None, "Sentry DSN."),
    "sentry_env": Setting(as_optional_str, None, "Sentry environment."),
    "sentry_breadcrumbs_min_level": Setting(
        as_str, "DEBUG", "Minimum log level of Sentry breadcrumbs."
    ),
    "sentry_events_min_level": Setting(as_str, "WARNING", "Minimum log level of Sentry events."),
    "settings_prefix": Setting(as_str, "", "Project prefix of settings."),
    "statsd_prefix": Setting(as_str, "", "Prefix of StatsD metric names (default: project name)."),
    "statsd_url": Setting(as_optional_str, None, "udp://host:port of the StatsD server."),
    "storage_backend": Setting(as_str, "", "Dotted name of the storage backend module."),
    "storage_url": Setting(as_str, "", "URL of the storage database."),
    "storage_auto_migrate": Setting(
        as_bool,
        False,
        "Create or upgrade the SQL storage schema at start-up instead of refusing to start.",
    ),
    "storage_max_overflow": Setting(
        as_optional_int,
        None,
        "SQL storage connections opened beyond the pool size under load (empty: 5).",
        0,
    ),
    "storage_pool_size": Setting(
        as_optional_int,
        None,
        "Most storage connections kept per process (empty: backend default).",
        1,
    ),
    "storage_pool_recycle": Setting(
        as_optional_int,
        None,
        "Seconds before a pooled SQL storage connection is replaced (empty: 3600, -1: never).",
        -1,
    ),
    "storage_pool_timeout": Setting(
        as_optional_float,
        None,
        "Seconds to wait for a free storage connection (empty: backend default).",
        0,
    ),
    "storage_max_fetch_size": Setting(
        as_int, 10000, "Maximum number of objects read in one query.", 1
    ),
    "trailing_slash_redirect_enabled": Setting(
        as_bool, True, "Redirect URLs ending with a slash."
    ),
    "trailing_slash_redirect_ttl_seconds": Setting(
        as_int, 3600, "Cache lifetime of trailing slash redirects (-1: none)."
    ),
    "userid_hmac_secret": Setting(
        as_str, "", "Key of the HMAC deriving user ids from credentials."
    ),
    "version_json_path": Setting(as_str, "version.json", "File served by /__version__."),
    "version_prefix_redirect_enabled": Setting(
        as_bool, True, "Redirect URLs lacking the /vN prefix."
    ),
    "version_prefix_redirect_ttl_seconds": Setting(
        as_int, -1, "Cache lifetime of version prefix redirects (-1: none)."
    ),
}


def default_settings() -> dict[str, Any]:
    """The declared defaults as a fresh dict (mutable values are copies)."""
    return {name: copy.deepcopy(s.default) for name, s in SETTINGS.items()}


def _env_name(*parts: str) -> str:
    return "_".join(parts).upper().replace(".", "_").replace("-", "_")


def _decode(value: Any) -> Any:
    """JSON-decode strings that look like JSON (``true``, ``42``, ``null``)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def load_settings(
    ini: Mapping[str, Any],
    prefix: str = "",
    environ: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    declared: Mapping[str, Setting] | None = None,
) -> dict[str, Any]:
    """Merge defaults, INI values and the environment, then cast.

    ``ini`` holds the values read from the INI file (either spelling);
    ``defaults`` the defaults of strato and of the application. Returns a new
    dict with unprefixed keys. Raises :class:`ConfigurationError` when two
    spellings of one setting disagree or a value does not fit its declared
    type.
    """
    environ = os.environ if environ is None else environ
    declared = SETTINGS if declared is None else declared
    result: dict[str, Any] = dict(default_settings() if defaults is None else defaults)
    seen: dict[str, str] = {}
    dotted_prefix = f"{prefix}." if prefix else None

    for key, value in ini.items():
        name = key
        if dotted_prefix and key.startswith(dotted_prefix):
            name = key[len(dotted_prefix) :]
        if name in seen and ini[seen[name]] != value:
            raise ConfigurationError(
                f"Settings {seen[name]!r} and {key!r} are in conflict "
                f"({ini[seen[name]]!r} != {value!r})"
            )
        seen[name] = key
        result[name] = value

    for name in list(result):
        for env_key in (_env_name(name), _env_name(prefix, name) if prefix else None):
            if env_key and env_key in environ:
                result[name] = environ[env_key]

    for name, value in result.items():
        setting = declared.get(name)
        if setting is not None:
            result[name] = setting.parse(name, value)
        elif isinstance(value, str) and _looks_scalar_json(value):
            result[name] = _decode(value)
    return result


def _looks_scalar_json(text: str) -> bool:
    stripped = text.strip()
    return stripped in ("true", "false", "null") or _is_number(stripped)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text[:1].isdigit() or text[:1] == "-"


def render_settings_rst(declared: Mapping[str, Setting] | None = None) -> str:
    """The settings reference page (``docs/settings.rst``), built from :data:`SETTINGS`."""
    declared = SETTINGS if declared is None else declared
    lines = [
        "Settings",
        "========",
        "",
        ".. This page is generated from strato.settings.SETTINGS:",
        "   run ``make docs-settings`` after changing the table.",
        "",
        "Every setting can be written in the INI file with or without the project",
        "prefix (``food.paginate_by`` or ``paginate_by``) and overridden by an",
        "environment variable (``FOOD_PAGINATE_BY`` beats ``PAGINATE_BY``).",
        "",
    ]
    for name in sorted(declared):
        setting = declared[name]
        kind = getattr(setting.cast, "__name__", "value").replace("as_", "")
        default = setting.default
        if name == "profiler_dir":
            default = "(system temporary folder)"
        lines += [
            f"``{name}``",
            f"    *{kind}*, default ``{default!r}``. {setting.description}",
            "",
        ]
    return "\n".join(lines)
