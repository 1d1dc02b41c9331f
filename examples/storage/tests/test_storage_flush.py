"""``POST /__flush__``, only on servers that enable it."""

from __future__ import annotations


def test_flush_empties_everything(app, auth):
    alice = auth("alice")
    app.put_json("/v1/buckets/b", {}, headers=alice)
    resp = app.post("/v1/__flush__")
    assert resp.status_code == 202
    assert resp.json == {}
    assert app.get("/v1/buckets", headers=alice).json["data"] == []
    assert "flush_endpoint" in app.get("/v1/").json["capabilities"]


def test_flush_is_absent_unless_enabled(make_app):
    app = make_app(flush_endpoint_enabled="false")
    resp = app.post("/v1/__flush__", status=404)
    assert resp.json["errno"] == 111
    assert "flush_endpoint" not in app.get("/v1/").json["capabilities"]
