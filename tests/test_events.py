"""Resource events: what is notified, with which payload, and when (PROTOCOL §9)."""

from __future__ import annotations

import logging

import colander
import pytest
from pyramid import httpexceptions

from strato import resource, transaction
from strato.events import (
    ACTIONS,
    AfterResourceChanged,
    AfterResourceRead,
    ResourceChanged,
    ResourceRead,
)
from strato.resource.viewset import register_resource
from strato.testing import get_user_headers, make_webtest

BOB = get_user_headers("bob")
SETTINGS = {
    "multiauth.policies": "basicauth",
    "mushroom_create_principals": "system.Authenticated",
}
EVENT_CLASSES = (ResourceRead, ResourceChanged, AfterResourceRead, AfterResourceChanged)


class Recorder:
    """Collects the events notified, and what the transaction looked like then."""

    def __init__(self):
        self.events = []
        self.in_transaction = []

    def __call__(self, event):
        self.events.append(event)
        self.in_transaction.append(transaction.current() is not None)

    def of(self, cls):
        return [e for e in self.events if type(e) is cls]

    def clear(self):
        self.events.clear()
        self.in_transaction.clear()


class StrictSchema(resource.ResourceSchema):
    name = colander.SchemaNode(colander.String())


class Toadstool(resource.Resource):
    pass


class Moisture(resource.Resource):
    schema = StrictSchema


class Mushroom(resource.ShareableResource):
    pass


class Note(resource.UserResource):
    pass


class Plant(resource.Resource):
    def get_parent_id(self, request):
        return f"/garden/{request.matchdict['garden_id']}"


class Label(resource.Resource):
    pass


def includeme(config):
    for cls in (Toadstool, Moisture, Mushroom, Note, Label):
        register_resource(config, cls)
    register_resource(config, Plant, plural_path="/garden/{garden_id}/plants")


def make_app(recorder, extra=None, settings=None):
    def wiring(config):
        includeme(config)
        for cls in EVENT_CLASSES:
            config.add_subscriber(recorder, cls)
        if extra is not None:
            extra(config)

    return make_webtest(wiring, {**SETTINGS, **(settings or {})}, version="0.1.0")


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def app(recorder):
    return make_app(recorder)


@pytest.fixture
def bob_id(app):
    return app.get("/", headers=BOB).json["user"]["id"]


def create(app, path="/toadstools", data=None, headers=BOB):
    return app.post_json(path, {"data": data or {}}, headers=headers).json["data"]


# Changes ---------------------------------------------------------------------------------


def test_create_event(app, recorder, bob_id):
    recorder.clear()
    obj = create(app, data={"n": 1})
    [event] = recorder.of(ResourceChanged)
    assert event.payload == {
        "timestamp": obj["last_modified"],
        "action": "create",
        "uri": "/toadstools",
        "user_id": bob_id,
        "resource_name": "toadstool",
    }
    assert event.impacted_objects == [{"new": obj}]
    [after] = recorder.of(AfterResourceChanged)
    assert after.payload == event.payload
    assert after.impacted_objects == event.impacted_objects


def test_update_event(app, recorder):
    obj = create(app, data={"n": 1})
    recorder.clear()
    updated = app.patch_json(f"/toadstools/{obj['id']}", {"data": {"n": 2}}, headers=BOB).json
    [event] = recorder.of(ResourceChanged)
    assert event.payload["action"] == "update"
    assert event.payload["uri"] == f"/toadstools/{obj['id']}"
    assert event.payload["toadstool_id"] == obj["id"]
    assert event.payload["timestamp"] == updated["data"]["last_modified"]
    assert event.impacted_objects == [{"new": updated["data"], "old": obj}]


def test_put_events(app, recorder):
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    recorder.clear()
    app.put_json(f"/toadstools/{object_id}", {"data": {"n": 1}}, headers=BOB)
    app.put_json(f"/toadstools/{object_id}", {"data": {"n": 2}}, headers=BOB)
    actions = [e.payload["action"] for e in recorder.of(ResourceChanged)]
    assert actions == ["create", "update"]
    assert recorder.of(ResourceChanged)[1].impacted_objects[0]["old"]["n"] == 1


def test_delete_event_has_the_tombstone_and_the_old_version(app, recorder):
    obj = create(app, data={"n": 1})
    recorder.clear()
    tombstone = app.delete(f"/toadstools/{obj['id']}", headers=BOB).json["data"]
    [event] = recorder.of(ResourceChanged)
    assert event.payload["action"] == "delete"
    assert event.payload["timestamp"] == tombstone["last_modified"]
    assert event.impacted_objects == [{"new": tombstone, "old": obj}]


def test_plural_delete_is_one_event_with_every_object(app, recorder):
    objects = [create(app, data={"n": n}) for n in range(3)]
    recorder.clear()
    tombstones = app.delete("/toadstools", headers=BOB).json["data"]
    [event] = recorder.of(ResourceChanged)
    assert event.payload["action"] == "delete"
    assert event.payload["uri"] == "/toadstools"
    assert event.payload["timestamp"] == max(t["last_modified"] for t in tombstones)
    assert sorted(i["old"]["id"] for i in event.impacted_objects) == sorted(
        o["id"] for o in objects
    )
    assert all(i["new"]["deleted"] for i in event.impacted_objects)
    assert len(recorder.of(AfterResourceChanged)) == 1


def test_matchdict_ids_are_in_the_payload(app, recorder):
    recorder.clear()
    obj = create(app, "/garden/g1/plants", {"n": 1}, headers={})
    app.patch_json(f"/garden/g1/plants/{obj['id']}", {"data": {"n": 2}})
    create_event, update_event = recorder.of(ResourceChanged)
    assert create_event.payload["garden_id"] == "g1"
    assert create_event.payload["user_id"] is None
    assert update_event.payload["garden_id"] == "g1"
    assert update_event.payload["plant_id"] == obj["id"]
    assert "id" not in update_event.payload


def test_permissions_are_stripped_from_impacted_objects(app, recorder):
    recorder.clear()
    obj = app.post_json(
        "/mushrooms", {"data": {"n": 1}, "permissions": {"read": ["x"]}}, headers=BOB
    ).json["data"]
    app.patch_json(f"/mushrooms/{obj['id']}", {"data": {"n": 2}}, headers=BOB)
    app.delete(f"/mushrooms/{obj['id']}", headers=BOB)
    for event in recorder.of(ResourceChanged):
        for impacted in event.impacted_objects:
            for version in impacted.values():
                assert "__permissions__" not in version
                assert "permissions" not in version


# Reads -------------------------------------------------------------------------------------


def test_read_events(app, recorder):
    obj = create(app, data={"n": 1})
    recorder.clear()
    app.get("/toadstools", headers=BOB)
    app.get(f"/toadstools/{obj['id']}", headers=BOB)
    app.head("/toadstools", headers=BOB)
    app.post_json("/toadstools", {"data": {"id": obj["id"]}}, headers=BOB)
    app.delete("/toadstools?n=42", headers=BOB)
    reads = recorder.of(ResourceRead)
    assert [e.payload["action"] for e in reads] == ["read"] * 5
    assert reads[0].read_objects == [obj]
    assert reads[1].read_objects == [obj]
    assert reads[2].read_objects == []
    assert reads[3].read_objects == [obj]
    assert reads[4].read_objects == []
    assert recorder.of(ResourceChanged) == []
    assert len(recorder.of(AfterResourceRead)) == 5


# Delivery ---------------------------------------------------------------------------------


def test_changed_is_inside_the_transaction_and_after_is_after_commit(app, recorder):
    recorder.clear()
    create(app)
    by_class = dict(zip([type(e) for e in recorder.events], recorder.in_transaction, strict=True))
    assert by_class[ResourceChanged] is True
    assert by_class[AfterResourceChanged] is False
    assert recorder.events.index(recorder.of(ResourceChanged)[0]) < recorder.events.index(
        recorder.of(AfterResourceChanged)[0]
    )


@pytest.mark.parametrize(
    "request_args",
    [
        ("post_json", "/moistures", {"data": {}}),
        ("post_json", "/toadstools", {"data": {"id": "bad"}}),
        ("patch_json", "/toadstools/2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57", {"data": {}}),
        ("get", "/toadstools?_limit=-1", None),
        ("get", "/toadstools/2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57", None),
        ("delete", "/toadstools?_sort=", None),
        ("get", "/notes", None),
    ],
)
def test_no_event_for_a_failed_request(app, recorder, request_args):
    method, path, body = request_args
    recorder.clear()
    args = (path, body) if body is not None else (path,)
    headers = {} if path == "/notes" else BOB
    response = getattr(app, method)(*args, headers=headers, status="*")
    assert response.status_code >= 400
    assert recorder.events == []


def test_no_event_for_a_failed_precondition(app, recorder):
    obj = create(app)
    recorder.clear()
    app.patch_json(
        f"/toadstools/{obj['id']}",
        {"data": {"n": 1}},
        headers={**BOB, "If-Match": '"1"'},
        status=412,
    )
    assert recorder.events == []


def test_a_failing_changed_subscriber_aborts_and_sends_no_after_event(recorder):
    def refuse(event):
        raise httpexceptions.HTTPInsufficientStorage()

    def extra(config):
        config.add_subscriber(refuse, ResourceChanged)

    app = make_app(recorder, extra)
    response = app.post_json("/toadstools", {"data": {}}, headers=BOB, status=507)
    assert response.status_code == 507
    assert recorder.of(AfterResourceChanged) == []


def test_a_failing_after_subscriber_is_logged_and_swallowed(recorder, caplog):
    def explode(event):
        raise RuntimeError("listener down")

    def extra(config):
        config.add_subscriber(explode, AfterResourceChanged)

    app = make_app(recorder, extra)
    with caplog.at_level(logging.ERROR):
        app.post_json("/toadstools", {"data": {}}, headers=BOB, status=201)
    assert any("listener down" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_cascading_events_are_notified(recorder):
    def cascade(event):
        if event.payload["resource_name"] == "toadstool":
            event.request.notify_resource_event(
                parent_id="",
                timestamp=event.payload["timestamp"],
                data={"id": "synthetic", "last_modified": event.payload["timestamp"]},
                action=ACTIONS.CREATE,
                resource_name="label",
                resource_data={"uri": "/labels/synthetic", "label_id": "synthetic"},
            )

    def extra(config):
        config.add_subscriber(cascade, ResourceChanged)

    app = make_app(recorder, extra)
    create(app)
    names = [e.payload["resource_name"] for e in recorder.of(ResourceChanged)]
    assert names == ["toadstool", "label"]
    label_event = recorder.of(ResourceChanged)[1]
    assert label_event.payload["uri"] == "/labels/synthetic"
    assert label_event.payload["label_id"] == "synthetic"
    after = [e.payload["resource_name"] for e in recorder.of(AfterResourceChanged)]
    assert sorted(after) == ["label", "toadstool"]


def test_batch_merges_events_per_resource_parent_and_action(app, recorder):
    recorder.clear()
    response = app.post_json(
        "/batch",
        {
            "defaults": {"method": "POST", "path": "/toadstools"},
            "requests": [{"body": {"data": {"n": n}}} for n in range(3)]
            + [{"path": "/labels", "body": {"data": {"n": 9}}}],
        },
        headers=BOB,
    )
    assert [r["status"] for r in response.json["responses"]] == [201] * 4
    changed = recorder.of(ResourceChanged)
    assert sorted(e.payload["resource_name"] for e in changed) == ["label", "toadstool"]
    toadstools = next(e for e in changed if e.payload["resource_name"] == "toadstool")
    assert len(toadstools.impacted_objects) == 3


# Subscriber predicates and helpers --------------------------------------------------------


def test_subscriber_predicates(recorder):
    only = Recorder()

    def extra(config):
        config.add_subscriber(
            only, ResourceChanged, for_actions=(ACTIONS.DELETE,), for_resources=("label",)
        )

    app = make_app(recorder, extra)
    label = create(app, "/labels")
    toadstool = create(app)
    app.delete(f"/toadstools/{toadstool['id']}", headers=BOB)
    app.delete(f"/labels/{label['id']}", headers=BOB)
    assert [(e.payload["resource_name"], e.payload["action"]) for e in only.events] == [
        ("label", "delete")
    ]


def test_actions():
    assert ACTIONS.from_string_list(["create", "read"]) == (ACTIONS.CREATE, ACTIONS.READ)
    assert {a.value for a in ACTIONS} == {"create", "update", "delete", "read"}
    with pytest.raises(ValueError):
        ACTIONS.from_string_list(["explode"])


def test_event_repr(app, recorder):
    create(app)
    assert repr(recorder.of(ResourceChanged)[0]) == (
        "<ResourceChanged action=create uri=/toadstools>"
    )


def test_in_transaction_subscribers_run_once_per_change(recorder):
    calls = []

    def extra(config):
        config.add_subscriber(calls.append, ResourceChanged)
        config.add_subscriber(calls.append, ResourceRead)

    app = make_app(recorder, extra)
    create(app)
    app.get("/toadstools", headers=BOB)
    assert [type(e) for e in calls] == [ResourceChanged, ResourceRead]
