"""Accounts: bcrypt passwords, the ``account`` policy, its cache, administrators."""

from __future__ import annotations

import json

import pytest
from storage_service.accounts import passwords

from strato.components import get_components


@pytest.fixture
def app_with_alice(app):
    app.put_json("/v1/accounts/alice", {"data": {"password": "secret"}})
    return app


@pytest.fixture
def admin(app, auth):
    app.put_json("/v1/accounts/admin", {"data": {"password": "root"}})
    return auth("admin", "root")


@pytest.fixture
def bcrypt_checks(monkeypatch):
    """Count the (slow) bcrypt comparisons."""
    calls = []
    original = passwords.bcrypt.checkpw

    def counting(password, hashed):
        calls.append(password)
        return original(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", counting)
    return calls


def whoami(app, headers):
    return app.get("/v1/", headers=headers).json.get("user", {}).get("id")


def test_capability(app):
    assert "accounts" in app.get("/v1/").json["capabilities"]


def test_anyone_may_sign_up_and_then_authenticate(app, auth):
    resp = app.post_json("/v1/accounts", {"data": {"id": "bob", "password": "pw"}})
    assert resp.status_code == 201
    assert "password" not in resp.json["data"]
    assert whoami(app, auth("bob", "pw")) == "account:bob"


def test_passwords_are_stored_hashed_and_never_returned(app_with_alice, auth):
    app = app_with_alice
    stored = get_components(app.app.registry).storage.get("account", "alice", "alice")
    assert stored["password"].startswith("$2")
    headers = auth("alice")
    assert "password" not in app.get("/v1/accounts/alice", headers=headers).json["data"]
    assert "password" not in app.get("/v1/accounts", headers=headers).json["data"][0]
    patched = app.patch_json("/v1/accounts/alice", {"data": {"age": 3}}, headers=headers)
    assert "password" not in patched.json["data"]
    put = app.put_json("/v1/accounts/alice", {"data": {"password": "secret"}}, headers=headers)
    assert "password" not in put.json["data"]
    existing = app.post_json("/v1/accounts", {"data": {"id": "alice"}}, headers=headers)
    assert "password" not in existing.json["data"]


def test_the_hash_cannot_be_probed(app_with_alice, auth):
    app = app_with_alice
    headers = auth("alice")
    for query in ("password=x", "like_password=$2*", "_sort=password", "_fields=password"):
        app.get(f"/v1/accounts?{query}", headers=headers, status=400)
    resp = app.put_json(
        "/v1/accounts/alice",
        {"data": {"password": "new"}},
        headers={**headers, "If-Match": '"1"'},
        status=412,
    )
    assert "password" not in resp.json["details"]["existing"]
    for operation in (
        {"op": "copy", "from": "/data/password", "path": "/data/leak"},
        {"op": "copy", "from": "/data", "path": "/data/leak"},
        {"op": "move", "from": "", "path": "/data/leak"},
        {"op": "test", "path": "/data/password", "value": "$2b$"},
    ):
        app.patch(
            "/v1/accounts/alice",
            json.dumps([operation]),
            headers={**headers, "Content-Type": "application/json-patch+json"},
            status=400,
        )
    # Operations on other fields are fine, even with a similar name.
    resp = app.patch(
        "/v1/accounts/alice",
        json.dumps([{"op": "copy", "from": "/data/passwordless", "path": "/data/x"}]),
        headers={**headers, "Content-Type": "application/json-patch+json"},
        status=400,
    )
    assert "JSON Patch operation failed" in resp.json["message"]
    app.patch(
        "/v1/accounts/alice",
        json.dumps([{"op": "add", "path": "/data/note", "value": "n"}]),
        headers={**headers, "Content-Type": "application/json-patch+json"},
    )


def test_wrong_password_is_not_authenticated_as_the_account(app_with_alice, auth):
    assert whoami(app_with_alice, auth("alice", "wrong")).startswith("basicauth:")
    assert whoami(app_with_alice, auth("nobody", "x")).startswith("basicauth:")


def test_a_verified_password_is_cached(app_with_alice, auth, bcrypt_checks):
    headers = auth("alice")
    for _ in range(3):
        assert whoami(app_with_alice, headers) == "account:alice"
    assert len(bcrypt_checks) == 1


def test_a_wrong_password_never_matches_the_cache(app_with_alice, auth, bcrypt_checks):
    whoami(app_with_alice, auth("alice"))
    for _ in range(2):
        assert whoami(app_with_alice, auth("alice", "guess")) != "account:alice"
    assert len(bcrypt_checks) == 3


def test_a_changed_password_is_never_accepted_from_cache(app_with_alice, auth):
    app = app_with_alice
    old = auth("alice")
    assert whoami(app, old) == "account:alice"
    app.patch_json("/v1/accounts/alice", {"data": {"password": "changed"}}, headers=old)
    assert whoami(app, old) != "account:alice"
    assert whoami(app, auth("alice", "changed")) == "account:alice"


def test_a_deleted_account_stops_authenticating(app_with_alice, auth):
    app = app_with_alice
    headers = auth("alice")
    assert whoami(app, headers) == "account:alice"
    app.delete("/v1/accounts/alice", headers=headers)
    assert whoami(app, headers) != "account:alice"


def test_a_recreated_account_inherits_nothing(app_with_alice, auth):
    app = app_with_alice
    headers = auth("alice")
    app.put_json("/v1/buckets/diary", {}, headers=headers)
    app.delete("/v1/accounts/alice", headers=headers)
    app.put_json("/v1/accounts/alice", {"data": {"password": "impostor"}})
    app.get("/v1/buckets/diary", headers=auth("alice", "impostor"), status=403)


def test_a_recreated_account_is_in_no_group(app_with_alice, auth):
    app = app_with_alice
    app.put_json("/v1/buckets/club", {}, headers=auth("bob"))
    app.put_json(
        "/v1/buckets/club/groups/members",
        {"data": {"members": ["account:alice"]}},
        headers=auth("bob"),
    )
    app.patch_json(
        "/v1/buckets/club",
        {"permissions": {"read": ["/buckets/club/groups/members"]}},
        headers=auth("bob"),
    )
    app.get("/v1/buckets/club", headers=auth("alice"))
    app.delete("/v1/accounts/alice", headers=auth("alice"))
    permission = get_components(app.app.registry).permission
    assert permission.get_user_principals("account:alice") == set()
    app.put_json("/v1/accounts/alice", {"data": {"password": "impostor"}})
    app.get("/v1/buckets/club", headers=auth("alice", "impostor"), status=403)


def test_users_only_see_and_edit_their_own_account(app_with_alice, auth):
    app = app_with_alice
    app.put_json("/v1/accounts/bob", {"data": {"password": "pw"}})
    alice = auth("alice")
    assert [a["id"] for a in app.get("/v1/accounts", headers=alice).json["data"]] == ["alice"]
    # Other accounts are not even visible to her.
    app.get("/v1/accounts/bob", headers=alice, status=404)
    app.patch_json("/v1/accounts/bob", {"data": {"x": 1}}, headers=alice, status=404)
    resp = app.put_json(
        "/v1/accounts/carol", {"data": {"password": "pw"}}, headers=alice, status=400
    )
    assert resp.json["details"][0]["name"] == "data.id"


def test_anonymous_cannot_list_or_read_accounts(app_with_alice):
    app_with_alice.get("/v1/accounts", status=401)
    app_with_alice.get("/v1/accounts/alice", status=401)
    app_with_alice.put_json("/v1/accounts/alice", {"data": {"password": "x"}}, status=401)


def test_administrators_manage_every_account(app_with_alice, admin, auth):
    app = app_with_alice
    listed = {a["id"] for a in app.get("/v1/accounts", headers=admin).json["data"]}
    assert listed == {"alice", "admin"}
    app.put_json("/v1/accounts/zoe", {"data": {"password": "z"}}, headers=admin, status=201)
    # The new account belongs to its owner, not to the administrator.
    zoe = app.get("/v1/accounts/zoe", headers=auth("zoe", "z")).json
    assert zoe["permissions"]["write"] == ["account:zoe"]
    app.patch_json("/v1/accounts/alice", {"data": {"password": "reset"}}, headers=admin)
    assert whoami(app, auth("alice", "reset")) == "account:alice"
    app.delete("/v1/accounts/alice", headers=admin)


def test_creation_principals_come_from_settings(make_app, auth):
    app = make_app(account_create_principals="account:admin")
    app.put_json("/v1/accounts/bob", {"data": {"password": "pw"}}, status=401)


@pytest.mark.parametrize(
    ("password", "message"),
    [("x" * 1024 * 1024, "too long"), ("é" * 37, "too long"), ("", "Required")],
)
def test_unusable_passwords_are_400(app, password, message):
    resp = app.put_json("/v1/accounts/bob", {"data": {"password": password}}, status=400)
    assert resp.json["errno"] == 107
    assert resp.json["details"][0]["name"] == "data.password"
    assert message in resp.json["message"]


def test_account_ids_may_look_like_email_addresses(app, auth):
    app.put_json("/v1/accounts/ann.lee+x@example.com", {"data": {"password": "pw"}})
    assert whoami(app, auth("ann.lee+x@example.com", "pw")) == "account:ann.lee+x@example.com"
    app.put_json("/v1/accounts/a*b", {"data": {"password": "pw"}}, status=400)
    app.post_json("/v1/accounts", {"data": {"password": "pw"}}, status=400)


def test_accounts_need_the_policy(make_app):
    from strato.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="AccountsPolicy"):
        make_app(**{"multiauth.policies": "basicauth"})


def test_accounts_work_in_batches_with_one_check(app_with_alice, auth, bcrypt_checks):
    headers = auth("alice")
    body = {"requests": [{"path": "/"}] * 5}
    responses = app_with_alice.post_json("/v1/batch", body, headers=headers).json["responses"]
    assert {r["body"]["user"]["id"] for r in responses} == {"account:alice"}
    assert len(bcrypt_checks) == 1
