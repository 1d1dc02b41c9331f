"""The real ``kinto-http`` client against a live server (waitress on 127.0.0.1)."""

from __future__ import annotations

import time

import pytest
from kinto_http import BucketNotFound, Client, KintoException
from kinto_http.patch_type import BasicPatch, JSONPatch, MergePatch
from kinto_http.replication import replicate


@pytest.fixture
def url(live_server):
    return live_server()


@pytest.fixture
def client(url):
    return Client(server_url=url, auth=("alice", "secret"))


@pytest.fixture
def bob(url):
    return Client(server_url=url, auth=("bob", "secret"))


@pytest.fixture
def blog(client):
    client.create_bucket(id="blog")
    client.create_collection(id="posts", bucket="blog")
    return client.clone(bucket="blog", collection="posts")


def status_of(error: KintoException) -> int:
    return error.response.status_code


def principals(client: Client) -> list[str]:
    """The caller's principals now (``server_info()`` is cached by the client)."""
    body, _ = client.session.request("get", "/")
    return list(body["user"]["principals"])


def test_server_info(client):
    info = client.server_info()
    assert info["http_api_version"] == "1.23"
    assert info["user"]["id"].startswith("basicauth:")
    assert {"default_bucket", "accounts", "schema", "permissions_endpoint"} <= set(
        info["capabilities"]
    )


def test_buckets(client):
    created = client.create_bucket(id="b1", data={"title": "one"})
    assert created["data"]["title"] == "one"
    assert client.get_bucket(id="b1")["data"]["title"] == "one"
    assert client.create_bucket(id="b1", if_not_exists=True)["data"]["title"] == "one"
    with pytest.raises(KintoException) as error:
        client.create_bucket(id="b1")
    assert status_of(error.value) == 412
    updated = client.update_bucket(id="b1", data={"title": "two"})
    assert updated["data"]["title"] == "two"
    patched = client.patch_bucket(id="b1", data={"extra": 1})
    assert patched["data"] == {
        **updated["data"],
        "extra": 1,
        **{"last_modified": patched["data"]["last_modified"]},
    }
    assert [b["id"] for b in client.get_buckets()] == ["b1"]
    assert client.delete_bucket(id="b1")["deleted"] is True
    assert client.delete_bucket(id="b1", if_exists=True) is None
    with pytest.raises(BucketNotFound):
        client.get_bucket(id="b1")


def test_safe_writes_use_the_timestamp(client):
    bucket = client.create_bucket(id="b1")["data"]
    client.update_bucket(id="b1", data={"v": 1})
    with pytest.raises(KintoException) as error:
        client.update_bucket(data={**bucket, "v": 2}, safe=True)
    assert status_of(error.value) == 412
    client.update_bucket(data={**bucket, "v": 3}, safe=False)
    assert client.get_bucket(id="b1")["data"]["v"] == 3
    current = client.get_bucket(id="b1")["data"]
    with pytest.raises(KintoException):
        client.delete_bucket(id="b1", if_match=current["last_modified"] - 1)
    client.delete_bucket(id="b1", if_match=current["last_modified"])


def test_groups(client, bob):
    client.create_bucket(id="b1")
    bob_id = bob.server_info()["user"]["id"]
    group = client.create_group(id="friends", bucket="b1", data={"members": [bob_id]})
    assert group["data"]["members"] == [bob_id]
    assert client.create_group(id="friends", bucket="b1", if_not_exists=True)["data"]["id"]
    client.update_group(id="friends", bucket="b1", data={"members": []})
    client.patch_group(id="friends", bucket="b1", data={"members": [bob_id]})
    assert "/buckets/b1/groups/friends" in principals(bob)
    assert [g["id"] for g in client.get_groups(bucket="b1")] == ["friends"]
    client.delete_group(id="friends", bucket="b1")
    assert client.delete_group(id="friends", bucket="b1", if_exists=True) is None
    assert "/buckets/b1/groups/friends" not in principals(bob)
    with pytest.raises(KintoException) as error:
        client.create_group(id="bad", bucket="b1", data={"members": ["system.Everyone"]})
    assert status_of(error.value) == 400


def test_collections(client):
    client.create_bucket(id="b1")
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    client.create_collection(id="c1", bucket="b1", data={"schema": schema})
    assert client.get_collection(id="c1", bucket="b1")["data"]["schema"] == schema
    assert client.create_collection(id="c1", bucket="b1", if_not_exists=True)["data"]["schema"]
    client.update_collection(id="c1", bucket="b1", data={"cache_expires": 10})
    client.patch_collection(id="c1", bucket="b1", data={"label": "C"})
    collection = client.get_collection(id="c1", bucket="b1")["data"]
    assert (collection["cache_expires"], collection["label"]) == (10, "C")
    with pytest.raises(KintoException) as error:
        client.update_collection(id="c1", bucket="b1", data={"schema": {"type": 5}})
    assert status_of(error.value) == 400
    client.delete_collection(id="c1", bucket="b1")
    assert client.delete_collection(id="c1", bucket="b1", if_exists=True) is None
    assert client.get_collections(bucket="b1") == []


def test_records(blog):
    record = blog.create_record(data={"title": "hello"})["data"]
    assert blog.get_record(id=record["id"])["data"]["title"] == "hello"
    same = blog.create_record(id=record["id"], data={"title": "x"}, if_not_exists=True)
    assert same["data"]["title"] == "hello"
    updated = blog.update_record(id=record["id"], data={"title": "bye"})["data"]
    patched = blog.patch_record(id=record["id"], data={"tag": "t"})["data"]
    assert (patched["title"], patched["tag"]) == ("bye", "t")
    assert patched["last_modified"] > updated["last_modified"] > record["last_modified"]
    with pytest.raises(KintoException) as error:
        blog.update_record(data={**record, "title": "stale"}, safe=True)
    assert status_of(error.value) == 412
    assert len(blog.get_records()) == 1
    blog.delete_record(id=record["id"])
    assert blog.delete_record(id=record["id"], if_exists=True) is None
    assert blog.get_records() == []


def test_record_timestamps(blog):
    first = blog.create_record(data={})["data"]
    assert blog.get_records_timestamp() == str(first["last_modified"])
    second = blog.create_record(data={})["data"]
    fresh = blog.clone()
    assert fresh.get_records_timestamp() == str(second["last_modified"])
    changes = blog.get_records(_since=first["last_modified"])
    assert [r["id"] for r in changes] == [second["id"]]


def test_the_three_patch_types(blog):
    rid = blog.create_record(data={"a": {"b": 1, "c": 2}, "keep": True})["data"]["id"]
    basic = blog.patch_record(id=rid, changes=BasicPatch(data={"a": {"b": 9}}))["data"]
    assert basic["a"] == {"b": 9}
    merged = blog.patch_record(id=rid, changes=MergePatch(data={"a": {"c": 3}, "keep": None}))
    assert merged["data"]["a"] == {"b": 9, "c": 3}
    assert "keep" not in merged["data"]
    operations = [
        {"op": "add", "path": "/data/list", "value": [1]},
        {"op": "replace", "path": "/data/a/b", "value": 0},
        {"op": "add", "path": "/permissions/read/system.Authenticated"},
    ]
    patched = blog.patch_record(id=rid, changes=JSONPatch(operations))
    assert patched["data"]["list"] == [1]
    assert patched["data"]["a"]["b"] == 0
    assert "system.Authenticated" in patched["permissions"]["read"]


def test_permissions_on_each_level(client, bob):
    bob_id = bob.server_info()["user"]["id"]
    client.create_bucket(id="b1", permissions={"collection:create": [bob_id]})
    assert client.get_bucket(id="b1")["permissions"]["collection:create"] == [bob_id]
    bob.create_collection(id="bobs", bucket="b1")
    client.create_group(id="g", bucket="b1", permissions={"read": [bob_id]})
    assert bob.get_group(id="g", bucket="b1")["data"]["id"] == "g"
    client.create_collection(id="c", bucket="b1", permissions={"record:create": [bob_id]})
    created = bob.create_record(bucket="b1", collection="c", data={"mine": True})["data"]
    assert [r["id"] for r in bob.get_records(bucket="b1", collection="c")] == [created["id"]]
    client.create_record(bucket="b1", collection="c", id="r", permissions={"read": [bob_id]})
    assert bob.get_record(bucket="b1", collection="c", id="r")["data"]["id"] == "r"
    with pytest.raises(KintoException) as error:
        bob.update_record(bucket="b1", collection="c", id="r", data={})
    assert status_of(error.value) == 403
    client.patch_bucket(id="b1", permissions={"write": [bob_id]})
    bob.update_record(bucket="b1", collection="c", id="r", data={"by": "bob"})
    uris = {p["uri"] for p in bob.get_permissions()}
    assert {"/buckets/b1", "/buckets/b1/collections/c/records/r"} <= uris


def test_batch_and_results(client):
    with client.batch(bucket="b1", collection="c") as batch:
        batch.create_bucket(id="b1")
        batch.create_collection(id="c", bucket="b1")
        for n in range(3):
            batch.create_record(data={"n": n})
    results = batch.results()
    assert len(results) == 5
    assert results[0]["data"]["id"] == "b1"
    assert sorted(r["data"]["n"] for r in results[2:]) == [0, 1, 2]
    assert len(client.get_records(bucket="b1", collection="c")) == 3


def test_batches_larger_than_the_server_limit_are_split(client):
    client.create_bucket(id="b1")
    client.create_collection(id="c", bucket="b1")
    with client.batch(bucket="b1", collection="c") as batch:
        for n in range(30):
            batch.create_record(data={"n": n})
    assert len(batch.results()) == 30
    assert len(client.get_records(bucket="b1", collection="c")) == 30


def test_pagination(blog):
    for n in range(7):
        blog.create_record(data={"n": n})
    assert len(blog.get_records(_limit=3)) == 3
    assert len(blog.get_records(_limit=3, pages=2)) == 6
    assert len(blog.get_records(_limit=3, pages=float("inf"))) == 7
    everything = [r for page in blog.get_paginated_records(_limit=2) for r in page["data"]]
    assert sorted(r["n"] for r in everything) == list(range(7))


def test_get_endpoint(client, url):
    endpoint = client.get_endpoint("record", bucket="b", collection="c", id="r")
    assert endpoint == "/buckets/b/collections/c/records/r"
    assert client.get_endpoint("buckets") == "/buckets"


def test_default_bucket(client):
    records = client.clone(collection="tasks")
    created = records.create_record(data={"todo": "write tests"})["data"]
    assert [r["id"] for r in records.get_records()] == [created["id"]]
    bucket_id = client.server_info()["user"]["bucket"]
    assert client.get_record(bucket=bucket_id, collection="tasks", id=created["id"])["data"]


def test_accounts(url):
    anonymous = Client(server_url=url)
    anonymous.session.request("put", "/accounts/carol", data={"password": "pw"})
    carol = Client(server_url=url, auth=("carol", "pw"))
    assert carol.server_info()["user"]["id"] == "account:carol"
    carol.create_bucket(id="carols")
    assert carol.get_bucket(id="carols")["permissions"]["write"] == ["account:carol"]


def test_retry_on_503_honours_retry_after(live_server, make_wsgi_app):
    attempts: list[float] = []
    app = make_wsgi_app()

    def flaky(environ, start_response):
        if environ["PATH_INFO"].endswith("/records") and environ["REQUEST_METHOD"] == "GET":
            attempts.append(time.monotonic())
            if len(attempts) == 1:
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "application/json"), ("Retry-After", "1")],
                )
                return [b'{"code": 503, "errno": 201, "error": "Service Unavailable"}']
        return app(environ, start_response)

    url = live_server(flaky)
    client = Client(server_url=url, auth=("alice", "secret"), retry=1)
    client.create_bucket(id="b")
    client.create_collection(id="c", bucket="b")
    assert client.get_records(bucket="b", collection="c") == []
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 1

    attempts.clear()
    no_retry = Client(server_url=url, auth=("alice", "secret"))
    with pytest.raises(KintoException) as error:
        no_retry.get_records(bucket="b", collection="c")
    assert status_of(error.value) == 503


@pytest.fixture
def replicated(live_server):
    """``src/c`` on one server, replicated by kinto-http to ``dst/c`` on another."""
    origin_url, copy_url = live_server(), live_server()
    origin = Client(server_url=origin_url, auth=("alice", "secret"), bucket="src", collection="c")
    origin.create_bucket()
    origin.create_collection(data={"label": "source"})
    for n in range(4):
        origin.create_record(id=f"r{n}", data={"n": n})
    origin.delete_record(id="r3")
    destination = Client(
        server_url=copy_url, auth=("alice", "secret"), bucket="dst", collection="c"
    )
    replicate(origin, destination)
    return origin, destination


def test_replication_between_two_collections(replicated):
    origin, destination = replicated
    copied = {r["id"]: r["n"] for r in destination.get_records()}
    assert copied == {"r0": 0, "r1": 1, "r2": 2}
    assert destination.get_collection()["data"]["label"] == "source"

    # Replicating again brings the changes over.
    origin.update_record(id="r0", data={"n": 10})
    origin.create_record(id="r4", data={"n": 4})
    replicate(origin, destination)
    copied = {r["id"]: r["n"] for r in destination.get_records()}
    assert copied == {"r0": 10, "r1": 1, "r2": 2, "r4": 4}


def test_replication_keeps_record_timestamps(replicated):
    origin, destination = replicated
    copied = {r["id"]: r["last_modified"] for r in destination.get_records()}
    assert copied == {r["id"]: r["last_modified"] for r in origin.get_records()}
