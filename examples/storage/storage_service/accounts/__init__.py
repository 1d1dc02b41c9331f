"""Accounts: ``/accounts`` plus the ``account`` Basic auth policy.

Enabled by ``accounts_enabled = true`` together with::

    multiauth.policies = account basicauth
    multiauth.policy.account.use = storage_service.accounts.AccountsPolicy

List ``account`` before ``basicauth``: Basic auth accepts any credentials,
so whichever comes first decides who a caller is.
"""

from __future__ import annotations

from pyramid.config import Configurator

from storage_service.accounts.passwords import hash_password
from storage_service.accounts.policy import AccountsPolicy
from storage_service.accounts.resource import ACCOUNT_PREFIX, Account, AccountIdGenerator
from strato.errors import ConfigurationError
from strato.settings import as_list

__all__ = [
    "ACCOUNT_PREFIX",
    "Account",
    "AccountIdGenerator",
    "AccountsPolicy",
    "hash_password",
    "includeme",
]


def _check_policy(config: Configurator) -> None:
    settings = config.get_settings()
    for name in as_list(settings.get("multiauth.policies")):
        dotted = settings.get(f"multiauth.policy.{name}.use")
        if dotted and config.maybe_dotted(dotted) is AccountsPolicy:
            return
    raise ConfigurationError(
        "Setting 'accounts_enabled': no policy of 'multiauth.policies' uses "
        "storage_service.accounts.AccountsPolicy (multiauth.policy.<name>.use)"
    )


def includeme(config: Configurator) -> None:
    """Register ``/accounts`` and advertise the ``accounts`` capability."""
    _check_policy(config)
    config.scan("storage_service.accounts.resource")
    config.add_api_capability(
        "accounts",
        description="Manage user accounts (Basic authentication with a stored password).",
        url="https://kinto.readthedocs.io/en/stable/api/1.x/accounts.html",
    )
