"""Wiring: initialize(), includeme, install_middlewares, directives, start-up steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

import strato
from strato.errors import ConfigurationError
from strato.service import Service
from strato.settings import DEFAULT_INITIALIZATION_SEQUENCE, Setting, as_int

NO_BACKENDS = {"storage_backend": "", "permission_backend": "", "cache_backend": ""}

Factory = Callable[..., webtest.TestApp]

greeting = Service(name="greeting", path="/greeting")


@greeting.get()
def get_greeting(request: Request) -> dict[str, str]:
    return {"hello": "world"}


def build(settings: dict[str, Any] | None = None, **kw: Any) -> Configurator:
    config = Configurator(settings={**NO_BACKENDS, **(settings or {})})
    kw.setdefault("project_name", "food")
    kw.setdefault("version", "1.0.0")
    kw.setdefault("environ", {})
    strato.initialize(config, **kw)
    return config


def as_app(config: Configurator) -> webtest.TestApp:
    return webtest.TestApp(strato.install_middlewares(config.make_wsgi_app(), {}))


# initialize() -----------------------------------------------------------------


def test_initialize_serves_the_core_under_the_major_version_prefix() -> None:
    app = as_app(build(version="3.4.5"))
    body = app.get("/v3/").json
    assert body["project_version"] == "3.4.5"
    assert body["http_api_version"] == "3.4"


def test_http_api_version_setting_decides_the_prefix() -> None:
    app = as_app(build({"http_api_version": "1.23"}, version="5.0.0"))
    assert app.get("/v1/").json["http_api_version"] == "1.23"
    app.get("/v5/", status=404)


def test_version_can_come_from_the_project_version_setting() -> None:
    app = as_app(build({"project_version": "2.0.1"}, version=None))
    assert app.get("/v2/").json["project_version"] == "2.0.1"


def test_missing_version_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="project_version"):
        build(version=None)


def test_the_route_prefix_stays_set_for_the_application_views() -> None:
    config = build()
    config.add_cornice_service(greeting)
    app = as_app(config)
    assert app.get("/v1/greeting").json == {"hello": "world"}


def test_project_name_argument_is_served_in_hello() -> None:
    assert as_app(build(project_name="food")).get("/v1/").json["project_name"] == "food"


def test_default_settings_argument_adds_application_defaults() -> None:
    config = build(default_settings={"food_flavour": "sweet", "paginate_by": 5})
    assert config.get_settings()["food_flavour"] == "sweet"
    assert config.get_settings()["paginate_by"] == 5


def test_ini_beats_application_defaults() -> None:
    config = build({"paginate_by": "9"}, default_settings={"paginate_by": 5})
    assert config.get_settings()["paginate_by"] == 9


def test_declared_application_defaults_are_cast_and_checked() -> None:
    size = Setting(as_int, 3, "Portion size.", minimum=1)
    config = build({"portion": "4"}, default_settings={"portion": size})
    assert config.get_settings()["portion"] == 4
    with pytest.raises(ConfigurationError, match="'portion'"):
        build({"portion": "zero"}, default_settings={"portion": size})


def test_plain_http_scheme_warns() -> None:
    with pytest.warns(UserWarning, match="HTTPS"):
        build({"http_scheme": "http"})


def test_http_scheme_and_host_are_forced_on_generated_urls() -> None:
    app = as_app(build({"http_scheme": "https", "http_host": "api.example.com"}))
    assert app.get("/v1/").json["url"] == "https://api.example.com/v1/"


# includeme ----------------------------------------------------------------------


def test_including_strato_directly_loads_settings_and_prefixes_routes() -> None:
    config = Configurator(
        settings={**NO_BACKENDS, "settings_prefix": "food", "project_version": "2.1"}
    )
    config.include("strato")
    app = webtest.TestApp(config.make_wsgi_app())
    body = app.get("/v2/").json
    assert body["project_version"] == "2.1"
    assert app.get("/").headers["Location"].endswith("/v2/")


def test_includeme_is_the_package_entry_point() -> None:
    assert strato.includeme.__module__ == "strato"


# install_middlewares ---------------------------------------------------------------


def test_install_middlewares_returns_the_app_unchanged_by_default() -> None:
    def wsgi(environ: Any, start_response: Any) -> Any:  # pragma: no cover - never called
        return []

    assert strato.install_middlewares(wsgi, {}) is wsgi
    assert strato.install_middlewares(wsgi, {"profiler_enabled": False}) is wsgi


@pytest.mark.parametrize("flag", [True, "true", "yes", "1"])
def test_profiler_writes_one_profile_per_request(tmp_path: Path, flag: Any) -> None:
    config = build()
    app = webtest.TestApp(
        strato.install_middlewares(
            config.make_wsgi_app(),
            {"profiler_enabled": flag, "profiler_dir": str(tmp_path)},
        )
    )
    app.get("/v1/__lbheartbeat__")
    assert [p.suffix for p in tmp_path.iterdir()] == [".prof"]


# load_default_settings ----------------------------------------------------------------


def test_load_default_settings_fills_plugin_defaults(
    plugin_module: Callable[..., str],
) -> None:
    def includeme(config: Configurator) -> None:
        strato.load_default_settings(
            config,
            {"plugin_size": Setting(as_int, 5, "Size.", minimum=1), "plugin_name": "x"},
        )

    name = plugin_module("strato_test_defaults", includeme=includeme)
    settings = build({"includes": name}).get_settings()
    assert settings["plugin_size"] == 5
    assert settings["plugin_name"] == "x"


def test_load_default_settings_keeps_ini_values_and_casts_them(
    plugin_module: Callable[..., str],
) -> None:
    def includeme(config: Configurator) -> None:
        strato.load_default_settings(
            config, {"plugin_size": Setting(as_int, 5, "Size.", minimum=1)}
        )

    name = plugin_module("strato_test_defaults_ini", includeme=includeme)
    settings = build({"includes": name, "food.plugin_size": "8"}).get_settings()
    assert settings["plugin_size"] == 8
    with pytest.raises(ConfigurationError, match="'plugin_size'"):
        build({"includes": name, "plugin_size": "0"})


def test_load_default_settings_reads_the_environment(
    plugin_module: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def includeme(config: Configurator) -> None:
        strato.load_default_settings(
            config, {"plugin_size": Setting(as_int, 5, "Size.", minimum=1)}
        )

    name = plugin_module("strato_test_defaults_env", includeme=includeme)
    monkeypatch.setenv("FOOD_PLUGIN_SIZE", "11")
    assert build({"includes": name}).get_settings()["plugin_size"] == 11


# Directives -------------------------------------------------------------------------


def test_add_api_capability_shows_in_hello(plugin_module: Callable[..., str]) -> None:
    def includeme(config: Configurator) -> None:
        config.add_api_capability(
            "fruits", description="Fruit sync", url="https://docs/fruits", version="1.0"
        )

    name = plugin_module("strato_test_capability", includeme=includeme)
    app = as_app(build({"includes": name}))
    assert app.get("/v1/").json["capabilities"]["fruits"] == {
        "description": "Fruit sync",
        "url": "https://docs/fruits",
        "version": "1.0",
    }


def test_add_api_capability_defaults_description_and_url() -> None:
    config = build()
    config.add_api_capability("plain")
    capabilities = as_app(config).get("/v1/").json["capabilities"]
    assert capabilities["plain"] == {"description": "", "url": ""}


def test_registering_a_capability_twice_fails() -> None:
    config = build()
    config.add_api_capability("fruits")
    with pytest.raises(ValueError, match="fruits"):
        config.add_api_capability("fruits", description="again")


def test_add_heartbeat_registers_a_check() -> None:
    config = build()
    config.add_heartbeat("fruit_stand", lambda request: True)
    assert as_app(config).get("/v1/__heartbeat__").json == {"fruit_stand": True}


# includes --------------------------------------------------------------------------------


def test_includes_loads_plugins_after_the_core(plugin_module: Callable[..., str]) -> None:
    seen: list[str] = []

    def first(config: Configurator) -> None:
        config.add_api_capability("first")  # a core directive: the core is wired
        seen.append("first")

    def second(config: Configurator) -> None:
        seen.append("second")

    a = plugin_module("strato_test_plugin_a", includeme=first)
    b = plugin_module("strato_test_plugin_b", includeme=second)
    app = as_app(build({"includes": f"{a}\n{b}"}))
    assert seen == ["first", "second"]
    assert "first" in app.get("/v1/").json["capabilities"]


def test_an_unknown_plugin_fails_at_start_up() -> None:
    with pytest.raises(ImportError):
        build({"includes": "strato_test_no_such_plugin"})


# initialization_sequence ---------------------------------------------------------------


def test_a_custom_sequence_replaces_a_step(plugin_module: Callable[..., str]) -> None:
    def custom_headers(config: Configurator) -> None:
        def add(event: Any) -> None:
            event.response.headers["X-Custom-Step"] = "yes"

        from pyramid.events import NewResponse

        config.add_subscriber(add, NewResponse)

    name = plugin_module("strato_test_steps", custom_headers=custom_headers)
    sequence = [
        f"{name}.custom_headers" if step.endswith(".setup_security_headers") else step
        for step in DEFAULT_INITIALIZATION_SEQUENCE
    ]
    app = as_app(build({"initialization_sequence": "\n".join(sequence)}))
    response = app.get("/v1/")
    assert response.headers["X-Custom-Step"] == "yes"
    assert "Content-Security-Policy" not in response.headers


def test_the_sequence_runs_in_order(plugin_module: Callable[..., str]) -> None:
    calls: list[str] = []
    name = plugin_module(
        "strato_test_order",
        one=lambda config: calls.append("one"),
        two=lambda config: calls.append("two"),
    )
    build({"initialization_sequence": f"{name}.two {name}.one"})
    assert calls == ["two", "one"]


def test_a_dropped_step_is_not_run() -> None:
    sequence = [s for s in DEFAULT_INITIALIZATION_SEQUENCE if "security_headers" not in s]
    app = as_app(build({"initialization_sequence": sequence}))
    assert "Content-Security-Policy" not in app.get("/v1/").headers


def test_an_unknown_step_fails_at_start_up() -> None:
    with pytest.raises(ImportError):
        build({"initialization_sequence": "strato.initialization.no_such_step"})


# Backends ----------------------------------------------------------------------------


def test_empty_backend_settings_create_no_backend() -> None:
    from strato.components import get_components

    components = get_components(build().registry)
    assert components.storage is None
    assert components.permission is None
    assert components.cache is None
    assert components.heartbeats == {}


def test_a_backend_that_cannot_be_imported_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="storage_backend"):
        build({"storage_backend": "strato_test_no_such_backend"})


def test_a_backend_module_without_factory_names_the_setting(
    plugin_module: Callable[..., str],
) -> None:
    name = plugin_module("strato_test_empty_backend")
    with pytest.raises(ConfigurationError, match=r"cache_backend.*load_from_config"):
        build({"cache_backend": name})


def test_a_backend_of_the_wrong_type_names_the_setting(
    plugin_module: Callable[..., str],
) -> None:
    name = plugin_module("strato_test_bad_backend", load_from_config=lambda config: object())
    with pytest.raises(ConfigurationError, match=r"permission_backend.*PermissionBase"):
        build({"permission_backend": name})


def test_an_application_view_can_return_a_plain_response() -> None:
    config = build()
    config.add_route("plain", "/plain")
    config.add_view(lambda request: Response("ok", content_type="text/plain"), route_name="plain")
    response = as_app(config).get("/v1/plain")
    assert response.text == "ok"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# Security headers ------------------------------------------------------------------------

CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/", 200),
        ("GET", "/v1/__heartbeat__", 200),
        ("GET", "/v1/nowhere", 404),
        ("POST", "/v1/", 405),
        ("GET", "/nowhere", 307),
        ("GET", "/v1/__heartbeat__/", 307),
        ("GET", "/v1/%FF", 400),
    ],
)
def test_security_headers_on_every_response(method: str, path: str, status: int) -> None:
    response = as_app(build()).request(path, method=method, status=status)
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers
    assert "X-Frame-Options" not in response.headers
    if status != 307:
        assert response.headers["Content-Type"] == "application/json"


def test_included_plugins_can_override_core_request_methods(plugin_module, make_app):
    def includeme(config):
        config.add_request_method(
            lambda request: {"id": "plugin-user", "principals": []}, name="get_user_info"
        )

    name = plugin_module("override_plugin", includeme=includeme)
    app = make_app({"includes": name})
    assert app.get("/").json["user"]["id"] == "plugin-user"
