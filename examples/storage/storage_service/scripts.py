"""The ``storage-service`` command: administer a storage service from its INI file.

``strato create-user --ini config.ini [--username U] [--password P]`` (also
available as ``storage-service create-user``)
creates (or resets the password of) an account; missing values are
prompted for, the password twice without echo. Exit codes: 0 done,
1 refused (readonly server, accounts disabled, bad input), 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from storage_service.accounts.passwords import hash_password, password_problem
from storage_service.accounts.resource import ACCOUNT_PREFIX, AccountIdGenerator
from strato import transaction
from strato.components import get_components

__all__ = ["create_user", "main", "register_create_user"]

logger = logging.getLogger("storage_service.scripts")


def create_user(
    env: dict[str, Any],
    username: str | None = None,
    password: str | None = None,
    *,
    ask: Callable[[str], str] = input,
    ask_secret: Callable[[str], str] = getpass.getpass,
) -> int:
    """Create or update the account ``username`` in the app of ``env`` (from ``bootstrap``)."""
    settings = env["registry"].settings
    if settings.get("readonly"):
        logger.error("Cannot create a user on a readonly server")
        return 1
    if not settings.get("accounts_enabled"):
        logger.error("Accounts are not enabled (accounts_enabled = true)")
        return 1
    validator = AccountIdGenerator()
    try:
        while username is None or not validator.match(username):
            if username is not None:
                print(f"{username!r} is not a valid user name ({validator.regexp})")
            username = ask("Username: ").strip()
        while password is None:
            first = ask_secret(f"Password for {username}: ")
            if first == ask_secret("Once more: "):
                password = first
            else:
                print("The passwords differ, please try again.")
    except (EOFError, KeyboardInterrupt):
        print("User creation aborted")
        return 1
    problem = password_problem(password)
    if problem is not None:
        logger.error(problem)
        return 1

    components = get_components(env["registry"])
    storage, permission = components.storage, components.permission
    assert storage is not None and permission is not None
    with transaction.begin() as tx:
        storage.update(
            "account", username, username, {"id": username, "password": hash_password(password)}
        )
        permission.add_principal_to_ace(
            f"/accounts/{username}", "write", f"{ACCOUNT_PREFIX}:{username}"
        )
        tx.commit()
    print(f"User {username!r} is ready")
    return 0


def register_create_user(commands: Any) -> None:
    """Add ``create-user`` to a command line (``strato`` or ``storage-service``)."""
    create = commands.add_parser("create-user", help="create an account or reset its password")
    create.add_argument("--ini", default="config.ini", help="the service's INI file")
    create.add_argument("--username")
    create.add_argument("--password", help="prompted for when not given (safer)")
    create.set_defaults(handler=lambda env, args: create_user(env, args.username, args.password))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storage-service", description="Administer a storage service."
    )
    register_create_user(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pyramid.paster import bootstrap, setup_logging

    args = _parser().parse_args(argv)
    setup_logging(args.ini)
    env = bootstrap(args.ini)
    try:
        return create_user(env, args.username, args.password)
    finally:
        env["closer"]()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
