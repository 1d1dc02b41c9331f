"""Listeners loaded from settings (PROTOCOL §9.4): filters, commit-only delivery, failures."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPInsufficientStorage

import strato.listeners
import tests.listeners.sample_listener as sample_listener
from strato import resource
from strato.errors import ConfigurationError
from strato.events import AfterResourceChanged, AfterResourceRead, ResourceChanged
from strato.monitoring.metrics import IMetricsService, MemoryMetrics
from strato.testing import get_user_headers, make_webtest

ALICE = get_user_headers("alice")
SAMPLE = "tests.listeners.sample_listener"


class Kettle(resource.Resource):
    pass


class Mug(resource.Resource):
    pass


def refuse_exploding_kettles(event: ResourceChanged) -> None:
    for change in event.impacted_objects:
        if (change.get("new") or {}).get("explode"):
            raise HTTPInsufficientStorage()


def kitchen(config: Configurator) -> None:
    resource.register_resource(config, Kettle, name="kettle")
    resource.register_resource(config, Mug, name="mug")
    # Inside the transaction: raising here rolls the request back.
    config.add_subscriber(refuse_exploding_kettles, ResourceChanged)


def make_app(**settings: Any) -> webtest.TestApp:
    return make_webtest(kitchen, {"multiauth.policies": "basicauth", **settings})


@pytest.fixture(autouse=True)
def empty_inboxes() -> Iterator[None]:
    sample_listener.RECEIVED.clear()
    yield
    sample_listener.RECEIVED.clear()


def inbox(name: str) -> list[Any]:
    return sample_listener.RECEIVED.get(f"event_listeners.{name}.", [])


def create_kettle(app: webtest.TestApp, **data: Any) -> dict[str, Any]:
    response = app.post_json("/kettles", {"data": data}, headers=ALICE, status=201)
    return response.json["data"]  # type: ignore[no-any-return]


# Loading ------------------------------------------------------------------------


def test_all_lists_the_public_names_sorted() -> None:
    module = strato.listeners
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", None) == module.__name__
    }
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) == defined | {"DEFAULT_ACTIONS"}


def test_no_listener_by_default() -> None:
    app = make_app()
    create_kettle(app)
    assert sample_listener.RECEIVED == {}


def test_a_listener_named_by_use_receives_changes_after_commit() -> None:
    app = make_app(**{"event_listeners": "kitchen", "event_listeners.kitchen.use": SAMPLE})
    kettle = create_kettle(app, colour="red")

    [event] = inbox("kitchen")
    assert isinstance(event, AfterResourceChanged)
    assert event.payload["action"] == "create"
    assert event.payload["resource_name"] == "kettle"
    assert event.impacted_objects == [{"new": kettle}]


def test_a_dotted_name_is_its_own_module_and_settings_key() -> None:
    app = make_app(event_listeners=SAMPLE)
    create_kettle(app)
    assert len(inbox("sample_listener")) == 1


def test_the_listener_reads_its_own_options_under_its_prefix() -> None:
    app = make_app(
        **{
            "event_listeners": "broken",
            "event_listeners.broken.use": SAMPLE,
            "event_listeners.broken.fail": "true",
        }
    )
    create_kettle(app)
    assert inbox("broken") == []


def test_several_listeners_each_receive_the_event() -> None:
    app = make_app(
        **{
            "event_listeners": "one two",
            "event_listeners.one.use": SAMPLE,
            "event_listeners.two.use": SAMPLE,
        }
    )
    create_kettle(app)
    assert len(inbox("one")) == len(inbox("two")) == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"event_listeners": "nowhere"}, "event_listeners.nowhere.use"),
        (
            {"event_listeners": "x", "event_listeners.x.use": "strato.no_such_module"},
            "'event_listeners.x.use': cannot import",
        ),
        (
            {"event_listeners": "x", "event_listeners.x.use": "strato.errors"},
            "has no load_from_config",
        ),
        (
            {
                "event_listeners": "x",
                "event_listeners.x.use": SAMPLE,
                "event_listeners.x.actions": "eat",
            },
            "'event_listeners.x.actions'",
        ),
    ],
)
def test_bad_listener_settings_fail_at_startup(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_app(**settings)


def test_load_from_config_must_return_a_callable(plugin_module: Any) -> None:
    name = plugin_module("strato_test_not_a_listener", load_from_config=lambda config, prefix: 42)
    with pytest.raises(ConfigurationError, match="did not return a callable"):
        make_app(event_listeners=name)


# Filters ---------------------------------------------------------------------


def test_default_actions_are_writes_only() -> None:
    app = make_app(event_listeners=SAMPLE)
    kettle = create_kettle(app)
    app.get("/kettles", headers=ALICE)
    app.patch_json(f"/kettles/{kettle['id']}", {"data": {"a": 1}}, headers=ALICE)
    app.delete(f"/kettles/{kettle['id']}", headers=ALICE)
    actions = [event.payload["action"] for event in inbox("sample_listener")]
    assert actions == ["create", "update", "delete"]


def test_reads_are_opt_in() -> None:
    app = make_app(
        **{"event_listeners": SAMPLE, "event_listeners.sample_listener.actions": "read"}
    )
    kettle = create_kettle(app)
    app.get("/kettles", headers=ALICE)
    [event] = inbox("sample_listener")
    assert isinstance(event, AfterResourceRead)
    assert event.payload["action"] == "read"
    assert event.read_objects == [kettle]


def test_actions_filter_the_writes() -> None:
    app = make_app(
        **{"event_listeners": SAMPLE, "event_listeners.sample_listener.actions": "delete"}
    )
    kettle = create_kettle(app)
    app.delete(f"/kettles/{kettle['id']}", headers=ALICE)
    assert [e.payload["action"] for e in inbox("sample_listener")] == ["delete"]


def test_resources_filter_the_events() -> None:
    app = make_app(
        **{"event_listeners": SAMPLE, "event_listeners.sample_listener.resources": "mug"}
    )
    create_kettle(app)
    app.post_json("/mugs", {"data": {}}, headers=ALICE, status=201)
    assert [e.payload["resource_name"] for e in inbox("sample_listener")] == ["mug"]


# Transactions and failures -------------------------------------------------------


def test_a_rolled_back_request_never_reaches_a_listener() -> None:
    app = make_app(event_listeners=SAMPLE)
    app.post_json("/kettles", {"data": {"explode": True}}, headers=ALICE, status=507)
    assert inbox("sample_listener") == []
    create_kettle(app)
    assert len(inbox("sample_listener")) == 1


def test_a_batch_rolled_back_by_a_subscriber_reaches_no_listener() -> None:
    app = make_app(event_listeners=SAMPLE)
    kettles = [{"data": {"colour": "blue"}}, {"data": {"explode": True}}]
    response = app.post_json(
        "/batch",
        {"requests": [{"method": "POST", "path": "/kettles", "body": k} for k in kettles]},
        headers=ALICE,
        expect_errors=True,
    )
    assert response.status_code >= 500
    assert inbox("sample_listener") == []


def test_a_failing_listener_is_logged_and_counted_never_fails_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(
        **{
            "event_listeners": "broken good",
            "event_listeners.broken.use": SAMPLE,
            "event_listeners.broken.fail": "true",
            "event_listeners.good.use": SAMPLE,
        }
    )
    metrics = MemoryMetrics()
    app.app.registry.registerUtility(metrics, IMetricsService)
    caplog.set_level(logging.ERROR, logger="strato.listeners")

    create_kettle(app)

    assert len(inbox("good")) == 1
    failures = [r for r in caplog.records if r.name == "strato.listeners"]
    assert len(failures) == 1
    assert "broken" in failures[0].getMessage()
    assert "the listener is broken" in failures[0].getMessage()
    counters = metrics.names("counter")
    assert "listeners.broken.failure" in counters
    assert "listeners.good.success" in counters
    assert set(metrics.names("timer")) == {"listeners.broken", "listeners.good"}
