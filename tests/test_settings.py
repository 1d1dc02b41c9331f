"""Settings: defaults, INI spellings, environment overrides, casts, bad values."""

from __future__ import annotations

from typing import Any

import pytest
from pyramid.config import Configurator

import strato
from strato.errors import ConfigurationError
from strato.settings import (
    DEFAULT_INITIALIZATION_SEQUENCE,
    SETTINGS,
    Setting,
    as_bool,
    as_int,
    as_list,
    as_optional_int,
    default_settings,
    load_settings,
)

NO_BACKENDS = {"storage_backend": "", "permission_backend": "", "cache_backend": ""}


def initialized(
    ini: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """Settings of a configurator after ``strato.initialize``."""
    config = Configurator(settings={**NO_BACKENDS, **(ini or {})})
    kw.setdefault("project_name", "food")
    kw.setdefault("version", "1.2.3")
    strato.initialize(config, environ=environ, **kw)
    return dict(config.get_settings())


# Defaults -----------------------------------------------------------------


def test_every_declared_setting_has_a_description() -> None:
    for name, setting in SETTINGS.items():
        assert setting.description, name


def test_default_settings_returns_a_fresh_copy_of_the_declared_defaults() -> None:
    defaults = default_settings()
    assert defaults == {name: s.default for name, s in SETTINGS.items()}
    defaults["cors_origins"].append("mutated")
    assert default_settings()["cors_origins"] == ["*"]


def test_defaults_are_applied_when_nothing_is_configured() -> None:
    settings = initialized()
    assert settings["batch_max_requests"] == 25
    assert settings["readonly"] is False
    assert settings["cors_origins"] == ["*"]
    assert settings["cors_max_age_seconds"] == 3600
    assert settings["retry_after_seconds"] == 30
    assert settings["root_cache_expires_seconds"] == 86400
    assert settings["heartbeat_timeout_seconds"] == 10
    assert settings["version_prefix_redirect_enabled"] is True
    assert settings["version_prefix_redirect_ttl_seconds"] == -1
    assert settings["trailing_slash_redirect_ttl_seconds"] == 3600
    assert settings["backoff"] is None
    assert settings["eos"] is None
    assert settings["paginate_by"] is None
    assert settings["initialization_sequence"] == list(DEFAULT_INITIALIZATION_SEQUENCE)


def test_project_name_version_and_prefix_are_stored() -> None:
    settings = initialized()
    assert settings["project_name"] == "food"
    assert settings["project_version"] == "1.2.3"
    assert settings["http_api_version"] == "1.2"
    assert settings["settings_prefix"] == "food"


# INI values -----------------------------------------------------------------


def test_ini_values_are_cast_to_their_declared_type() -> None:
    settings = initialized(
        {
            "paginate_by": "10",
            "readonly": "true",
            "cors_origins": "https://a.example.com *.b.example.com",
            "heartbeat_timeout_seconds": "2.5",
            "cors_max_age_seconds": "",
            "eos_message": "bye",
        }
    )
    assert settings["paginate_by"] == 10
    assert settings["readonly"] is True
    assert settings["cors_origins"] == ["https://a.example.com", "*.b.example.com"]
    assert settings["heartbeat_timeout_seconds"] == 2.5
    assert settings["cors_max_age_seconds"] is None
    assert settings["eos_message"] == "bye"


def test_prefixed_ini_key_is_stored_unprefixed() -> None:
    settings = initialized({"food.paginate_by": "7"})
    assert settings["paginate_by"] == 7
    assert "food.paginate_by" not in settings


def test_two_ini_spellings_with_the_same_value_are_accepted() -> None:
    settings = initialized({"food.paginate_by": "7", "paginate_by": "7"})
    assert settings["paginate_by"] == 7


def test_two_ini_spellings_with_different_values_are_a_conflict() -> None:
    with pytest.raises(ConfigurationError, match="in conflict"):
        initialized({"food.paginate_by": "7", "paginate_by": "8"})


def test_undeclared_ini_values_that_look_like_json_scalars_are_decoded() -> None:
    settings = initialized({"my_flag": "true", "my_number": "42", "my_text": "hello"})
    assert settings["my_flag"] is True
    assert settings["my_number"] == 42
    assert settings["my_text"] == "hello"


def test_settings_prefix_setting_wins_over_the_argument() -> None:
    settings = initialized({"settings_prefix": "other", "other.paginate_by": "3"})
    assert settings["settings_prefix"] == "other"
    assert settings["paginate_by"] == 3


def test_an_empty_settings_prefix_warns() -> None:
    with pytest.warns(UserWarning, match="prefix"):
        initialized(project_name="")


# Environment precedence (dict environ) -----------------------------------------

PRECEDENCE_CASES = [
    # (INI, environment, expected paginate_by)
    ({}, {}, None),
    ({"paginate_by": "1"}, {}, 1),
    ({"food.paginate_by": "2"}, {}, 2),
    ({"paginate_by": "1"}, {"PAGINATE_BY": "3"}, 3),
    ({"food.paginate_by": "2"}, {"PAGINATE_BY": "3"}, 3),
    ({"food.paginate_by": "2"}, {"FOOD_PAGINATE_BY": "4"}, 4),
    ({"paginate_by": "1"}, {"PAGINATE_BY": "3", "FOOD_PAGINATE_BY": "4"}, 4),
    ({}, {"PAGINATE_BY": "3", "FOOD_PAGINATE_BY": "4"}, 4),
]


@pytest.mark.parametrize(("ini", "environ", "expected"), PRECEDENCE_CASES)
def test_precedence_with_an_environ_mapping(
    ini: dict[str, str], environ: dict[str, str], expected: int | None
) -> None:
    assert initialized(ini, environ)["paginate_by"] == expected


@pytest.mark.parametrize(("ini", "environ", "expected"), PRECEDENCE_CASES)
def test_precedence_with_real_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
    ini: dict[str, str],
    environ: dict[str, str],
    expected: int | None,
) -> None:
    monkeypatch.delenv("PAGINATE_BY", raising=False)
    monkeypatch.delenv("FOOD_PAGINATE_BY", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert initialized(ini, environ=None)["paginate_by"] == expected


def test_environment_names_turn_dots_and_dashes_into_underscores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOOD_MULTIAUTH_POLICIES", "basicauth")
    settings = initialized(environ=None)
    assert settings["multiauth.policies"] == ["basicauth"]


def test_environment_does_not_add_unknown_keys() -> None:
    settings = initialized(environ={"FOOD_NOT_A_SETTING": "1", "NOT_A_SETTING": "1"})
    assert "not_a_setting" not in settings


def test_environment_values_are_cast_like_ini_values() -> None:
    settings = initialized(environ={"FOOD_READONLY": "yes", "FOOD_CORS_ORIGINS": "a b"})
    assert settings["readonly"] is True
    assert settings["cors_origins"] == ["a", "b"]


def test_an_injected_environ_hides_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOOD_PAGINATE_BY", "4")
    assert initialized(environ={})["paginate_by"] is None


# Bad values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("paginate_by", "abc", "integer"),
        ("readonly", "maybe", "boolean"),
        ("backoff_percentage", "150", "maximum"),
        ("backoff_percentage", "-1", "minimum"),
        ("paginate_by", "0", "minimum"),
        ("heartbeat_timeout_seconds", "soon", "number"),
        ("retry_after_seconds", "true", "integer"),
    ],
)
def test_bad_ini_value_fails_at_start_up_naming_the_setting(
    name: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigurationError) as excinfo:
        initialized({name: value})
    message = str(excinfo.value)
    assert repr(name) in message
    assert expected in message


def test_bad_environment_value_fails_at_start_up_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match=r"'paginate_by'.*'abc'"):
        initialized(environ={"FOOD_PAGINATE_BY": "abc"})


def test_bad_value_in_an_app_started_through_make_webtest_fails(make_app: Any) -> None:
    with pytest.raises(ConfigurationError, match="readonly"):
        make_app({"readonly": "maybe"})


# Casts --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["true", "True", "yes", "on", "1", " y "])
def test_as_bool_true(text: str) -> None:
    assert as_bool(text) is True


@pytest.mark.parametrize("text", ["false", "no", "off", "0", "", None, False])
def test_as_bool_false(text: Any) -> None:
    assert as_bool(text) is False


def test_as_int_refuses_booleans_and_fractions() -> None:
    with pytest.raises(ConfigurationError):
        as_int(True, "x")
    with pytest.raises(ConfigurationError):
        as_int("1.5", "x")
    assert as_int(" 12 ", "x") == 12


@pytest.mark.parametrize("text", ["", "none", "null", None])
def test_as_optional_int_unset(text: Any) -> None:
    assert as_optional_int(text, "x") is None


def test_as_list_splits_on_whitespace_and_commas() -> None:
    assert as_list("a, b\nc") == ["a", "b", "c"]
    assert as_list(("a", "b")) == ["a", "b"]
    assert as_list(None) == []


def test_load_settings_uses_the_given_defaults_and_declarations() -> None:
    declared = {"size": Setting(as_int, 5, "A size.", minimum=1)}
    result = load_settings(
        {"app.size": "9"}, prefix="app", environ={}, defaults={"size": 5}, declared=declared
    )
    assert result == {"size": 9}
    with pytest.raises(ConfigurationError, match="'size'"):
        load_settings({"size": "0"}, environ={}, defaults={"size": 5}, declared=declared)
