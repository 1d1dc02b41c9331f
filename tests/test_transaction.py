"""One transaction per request: participants, commit, abort, hooks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request

from strato import Service, transaction
from strato.errors import ERRORS

Factory = Callable[..., webtest.TestApp]


class Recorder:
    """A participant writing what happened to it into a shared journal."""

    def __init__(self, journal: list[str], name: str = "p", fail_commit: bool = False) -> None:
        self.journal = journal
        self.name = name
        self.fail_commit = fail_commit

    def commit(self) -> None:
        if self.fail_commit:
            self.journal.append(f"{self.name}:commit-failed")
            raise RuntimeError("commit failed")
        self.journal.append(f"{self.name}:commit")

    def abort(self) -> None:
        self.journal.append(f"{self.name}:abort")


# Transaction object ----------------------------------------------------------------


def test_no_current_transaction_outside_begin() -> None:
    assert transaction.current() is None


def test_begin_sets_the_current_transaction() -> None:
    with transaction.begin() as tx:
        assert transaction.current() is tx
    assert transaction.current() is None


def test_commit_commits_participants_then_runs_hooks() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        tx.join("a", Recorder(journal, "a"))
        tx.join("b", Recorder(journal, "b"))
        tx.add_after_commit_hook(lambda ok: journal.append(f"hook:{ok}"))
        tx.commit()
    assert journal == ["a:commit", "b:commit", "hook:True"]


def test_join_twice_with_one_key_keeps_one_participant() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        first = Recorder(journal, "first")
        tx.join("engine", first)
        tx.join("engine", Recorder(journal, "second"))
        assert tx.get("engine") is not first
        tx.commit()
    assert journal == ["second:commit"]


def test_leaving_begin_undecided_aborts() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        tx.join("a", Recorder(journal))
        tx.add_after_commit_hook(lambda ok: journal.append("hook"))
    assert journal == ["p:abort"]


def test_an_exception_in_the_block_aborts() -> None:
    journal: list[str] = []
    with pytest.raises(KeyError), transaction.begin() as tx:
        tx.join("a", Recorder(journal))
        raise KeyError("x")
    assert journal == ["p:abort"]


def test_abort_drops_hooks() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        tx.join("a", Recorder(journal))
        tx.add_after_commit_hook(lambda ok: journal.append("hook"))
        tx.abort()
    assert journal == ["p:abort"]
    assert tx.closed


def test_a_doomed_transaction_aborts_on_commit() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        tx.join("a", Recorder(journal))
        tx.add_after_commit_hook(lambda ok: journal.append("hook"))
        tx.doom()
        tx.commit()
    assert journal == ["p:abort"]


def test_a_failed_commit_aborts_everyone_and_skips_hooks() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        tx.join("a", Recorder(journal, "a", fail_commit=True))
        tx.join("b", Recorder(journal, "b"))
        tx.add_after_commit_hook(lambda ok: journal.append("hook"))
        with pytest.raises(RuntimeError):
            tx.commit()
    assert journal == ["a:commit-failed", "a:abort", "b:abort"]
    assert transaction.current() is None


def test_a_failing_hook_does_not_stop_the_others() -> None:
    journal: list[str] = []

    def broken(ok: bool) -> None:
        raise RuntimeError("hook bug")

    with transaction.begin() as tx:
        tx.add_after_commit_hook(broken)
        tx.add_after_commit_hook(lambda ok: journal.append("second"))
        tx.commit()
    assert journal == ["second"]


def test_restart_aborts_work_and_keeps_the_transaction_open() -> None:
    journal: list[str] = []
    with transaction.begin() as tx:
        tx.join("a", Recorder(journal, "a"))
        tx.add_after_commit_hook(lambda ok: journal.append("hook"))
        tx.restart()
        assert transaction.current() is tx
        tx.join("b", Recorder(journal, "b"))
        tx.commit()
    assert journal == ["a:abort", "b:commit", "hook"]


def test_each_thread_sees_its_own_transaction() -> None:
    seen: list[Any] = []
    with transaction.begin():
        thread = threading.Thread(target=lambda: seen.append(transaction.current()))
        thread.start()
        thread.join()
    assert seen == [None]


# One transaction per request ---------------------------------------------------------

JOURNAL: list[str] = []

work = Service(name="work", path="/work/{outcome}")


@work.post()
def do_work(request: Request) -> Any:
    tx = transaction.current()
    assert tx is request.transaction
    tx.join("store", Recorder(JOURNAL, "store", fail_commit=request.matchdict["outcome"] == "x"))
    tx.add_after_commit_hook(lambda ok: JOURNAL.append("after-commit"))
    outcome = request.matchdict["outcome"]
    if outcome == "bug":
        raise RuntimeError("bug")
    if outcome == "invalid":
        request.response.status = 400
    if outcome == "doom":
        tx.doom()
    return {"outcome": outcome}


def with_work(config: Configurator) -> None:
    config.add_cornice_service(work)


@pytest.fixture
def work_app(make_app: Factory) -> webtest.TestApp:
    JOURNAL.clear()
    return make_app(includeme=with_work)


def test_a_successful_request_commits(work_app: webtest.TestApp) -> None:
    work_app.post("/work/ok")
    assert JOURNAL == ["store:commit", "after-commit"]


def test_an_error_response_aborts(work_app: webtest.TestApp) -> None:
    work_app.post("/work/invalid", status=400)
    assert JOURNAL == ["store:abort"]


def test_an_exception_aborts(work_app: webtest.TestApp) -> None:
    work_app.post("/work/bug", status=500)
    assert JOURNAL == ["store:abort"]


def test_a_doomed_request_aborts(work_app: webtest.TestApp) -> None:
    assert work_app.post("/work/doom").json == {"outcome": "doom"}
    assert JOURNAL == ["store:abort"]


def test_a_failed_commit_is_a_json_500(work_app: webtest.TestApp) -> None:
    response = work_app.post("/work/x", status=500)
    assert response.json["errno"] == ERRORS.UNDEFINED
    assert "after-commit" not in JOURNAL
    assert JOURNAL[0] == "store:commit-failed"


def test_no_transaction_is_left_after_a_request(work_app: webtest.TestApp) -> None:
    work_app.post("/work/ok")
    assert transaction.current() is None
