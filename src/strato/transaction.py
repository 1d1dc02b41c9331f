"""One transaction per request, without a global transaction manager.

A :class:`Transaction` is opened by the transaction tween around every
top-level request (a batch shares it with its subrequests). Backends that
can roll back (SQL) *join* the current transaction the first time they are
used in it: they hand over an object with ``commit()`` and ``abort()``.
Outside a transaction (scripts, tests calling a backend directly) there is
no current transaction and backends commit every call on their own.

After-commit hooks run only when every participant committed; this is where
``AfterResourceChanged`` events and other external side effects go.

The current transaction is held in a :class:`contextvars.ContextVar`, so
each thread (and each asyncio task) sees its own.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["Participant", "Transaction", "begin", "current"]

logger = logging.getLogger(__name__)


class Participant(Protocol):
    """What a backend hands to :meth:`Transaction.join`."""

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class Transaction:
    """A unit of work spanning every backend touched by one request."""

    def __init__(self) -> None:
        self._participants: dict[Any, Participant] = {}
        self._after_commit: list[Callable[[bool], None]] = []
        self.doomed = False
        self.closed = False

    def join(self, key: Any, participant: Participant) -> None:
        """Register ``participant`` under ``key`` (e.g. an engine)."""
        self._participants[key] = participant

    def get(self, key: Any) -> Participant | None:
        """The participant registered under ``key``, if any."""
        return self._participants.get(key)

    def doom(self) -> None:
        """Make the final outcome an abort, whatever the response status."""
        self.doomed = True

    def add_after_commit_hook(self, hook: Callable[[bool], None]) -> None:
        """Call ``hook(True)`` after a successful commit (never after an abort)."""
        self._after_commit.append(hook)

    def commit(self) -> None:
        """Commit every participant, then run the after-commit hooks.

        If a participant fails to commit, the others are aborted and the
        exception propagates; hooks are not run.
        """
        if self.doomed:
            self.abort()
            return
        participants = list(self._participants.values())
        self._participants.clear()
        try:
            for participant in participants:
                participant.commit()
        except Exception:
            for participant in participants:
                try:
                    participant.abort()
                except Exception:  # pragma: no cover - best effort cleanup
                    logger.exception("Abort after failed commit failed")
            self._after_commit.clear()
            self.closed = True
            raise
        hooks = list(self._after_commit)
        self._after_commit.clear()
        self.closed = True
        for hook in hooks:
            try:
                hook(True)
            except Exception:
                logger.exception("After-commit hook failed")

    def abort(self) -> None:
        """Roll back every participant; after-commit hooks are dropped."""
        participants = list(self._participants.values())
        self._participants.clear()
        self._after_commit.clear()
        self.closed = True
        for participant in participants:
            try:
                participant.abort()
            except Exception:
                logger.exception("Transaction abort failed")

    def restart(self) -> None:
        """Abort what was done so far and keep the transaction usable.

        Used by batch requests when a subrequest's conflict rolls back the
        earlier writes but later subrequests must still run.
        """
        participants = list(self._participants.values())
        self._participants.clear()
        for participant in participants:
            try:
                participant.abort()
            except Exception:
                logger.exception("Transaction abort failed")


_current: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
    "strato_transaction", default=None
)


def current() -> Transaction | None:
    """The transaction of the running request, or None outside one."""
    tx = _current.get()
    if tx is not None and tx.closed:
        return None
    return tx


@contextmanager
def begin() -> Iterator[Transaction]:
    """Open a transaction for the enclosed block; the caller commits or aborts.

    Leaving the block without a decision aborts, so nothing is half-written.
    """
    tx = Transaction()
    token = _current.set(tx)
    try:
        yield tx
    finally:
        if not tx.closed:
            tx.abort()
        _current.reset(token)
