"""``strato create-user`` (and ``storage-service create-user``): accounts from the command line."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import webtest
from pyramid.paster import bootstrap, get_app
from storage_service import scripts

INI = """\
[app:main]
use = egg:strato-example-storage
storage_backend = strato.storage.sql
storage_url = sqlite:///{dir}/storage.sqlite
storage_auto_migrate = true
permission_backend = strato.permission.sql
permission_url = sqlite:///{dir}/storage.sqlite
permission_auto_migrate = true
cache_backend = strato.cache.memory
userid_hmac_secret = cli-secret
multiauth.policies = account basicauth
multiauth.policy.account.use = storage_service.accounts.AccountsPolicy
accounts_enabled = {accounts}
account_write_principals = account:admin
"""


def write_ini(directory: Path, accounts: bool = True) -> Path:
    path = directory / "service.ini"
    path.write_text(INI.format(dir=directory, accounts="true" if accounts else "false"))
    return path


def whoami(ini: Path, user: str, password: str) -> str | None:
    app = webtest.TestApp(get_app(str(ini)))
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    body = app.get("/v1/", headers={"Authorization": f"Basic {token}"}).json
    return body.get("user", {}).get("id")


def test_create_user_from_arguments(tmp_path, capsys):
    ini = write_ini(tmp_path)
    assert (
        scripts.main(
            ["create-user", "--ini", str(ini), "--username", "admin", "--password", "s3cret"]
        )
        == 0
    )
    assert "admin" in capsys.readouterr().out
    assert whoami(ini, "admin", "s3cret") == "account:admin"
    assert whoami(ini, "admin", "wrong") != "account:admin"


def test_create_user_resets_a_password(tmp_path):
    ini = write_ini(tmp_path)
    for password in ("first", "second"):
        scripts.main(["create-user", "--ini", str(ini), "--username", "u", "--password", password])
    assert whoami(ini, "u", "second") == "account:u"
    assert whoami(ini, "u", "first") != "account:u"


def test_create_user_prompts_for_what_is_missing(tmp_path, capsys):
    ini = write_ini(tmp_path)
    answers = iter(["not valid!", "bob"])
    secrets = iter(["one", "two", "pw", "pw"])
    env = bootstrap(str(ini))
    try:
        code = scripts.create_user(
            env, ask=lambda _: next(answers), ask_secret=lambda _: next(secrets)
        )
    finally:
        env["closer"]()
    assert code == 0
    out = capsys.readouterr().out
    assert "not a valid user name" in out
    assert "differ" in out
    assert whoami(ini, "bob", "pw") == "account:bob"


def test_create_user_aborts_on_end_of_input(tmp_path):
    env = bootstrap(str(write_ini(tmp_path)))

    def closed(_: str) -> str:
        raise EOFError

    try:
        assert scripts.create_user(env, ask=closed) == 1
    finally:
        env["closer"]()


@pytest.mark.parametrize("password", ["", "x" * 73])
def test_create_user_refuses_unusable_passwords(tmp_path, password):
    ini = write_ini(tmp_path)
    args = ["create-user", "--ini", str(ini), "--username", "u", "--password", password]
    assert scripts.main(args) == 1


def test_create_user_needs_accounts(tmp_path):
    ini = write_ini(tmp_path, accounts=False)
    args = ["create-user", "--ini", str(ini), "--username", "u", "--password", "pw"]
    assert scripts.main(args) == 1


def test_the_console_script_is_installed(tmp_path):
    ini = write_ini(tmp_path)
    command = Path(sys.executable).parent / "storage-service"
    result = subprocess.run(
        [command, "create-user", "--ini", ini, "--username", "ops", "--password", "pw"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert whoami(ini, "ops", "pw") == "account:ops"


def test_strato_create_user_comes_from_the_example(tmp_path):
    from strato import cli

    ini = write_ini(tmp_path)
    args = ["create-user", "--ini", str(ini), "--username", "root", "--password", "pw"]
    assert cli.main(args) == 0
    assert whoami(ini, "root", "pw") == "account:root"
