import threading
from collections.abc import Callable

from pyramid.config import Configurator

from strato.permission.memory import MemoryPermission, load_from_config

THREADS = 8
ROUNDS = 200


def run_together(work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_load_from_config_without_settings() -> None:
    backend = load_from_config(Configurator())
    assert isinstance(backend, MemoryPermission)
    assert backend.get_user_principals("account:alice") == set()


def test_load_from_config_ignores_unrelated_settings() -> None:
    config = Configurator(settings={"permission_url": "ignored", "readonly": "true"})
    assert isinstance(load_from_config(config), MemoryPermission)


def test_backends_do_not_share_state() -> None:
    first, second = MemoryPermission(), MemoryPermission()
    first.add_principal_to_ace("/buckets/b1", "read", "account:alice")
    assert second.get_object_permissions("/buckets/b1") == {}


def test_concurrent_grants_are_all_kept() -> None:
    backend = MemoryPermission()

    def grant(index: int) -> None:
        for round_ in range(ROUNDS):
            principal = f"account:{index}-{round_}"
            backend.add_principal_to_ace("/buckets/shared", "read", principal)
            backend.add_user_principal("account:shared", principal)
            backend.get_accessible_objects([principal], [("/buckets/*", "read")])

    run_together(grant)
    expected = {f"account:{i}-{r}" for i in range(THREADS) for r in range(ROUNDS)}
    assert backend.get_object_permission_principals("/buckets/shared", "read") == expected
    assert backend.get_user_principals("account:shared") == expected


def test_concurrent_revokes_leave_nothing_behind() -> None:
    backend = MemoryPermission()
    for index in range(THREADS):
        for round_ in range(ROUNDS):
            backend.add_principal_to_ace(f"/buckets/b{round_}", "write", f"account:{index}")

    def revoke(index: int) -> None:
        for round_ in range(ROUNDS):
            backend.remove_principal_from_ace(f"/buckets/b{round_}", "write", f"account:{index}")
            backend.get_objects_permissions([f"/buckets/b{round_}"])

    run_together(revoke)
    principals = [f"account:{index}" for index in range(THREADS)]
    assert backend.get_accessible_objects(principals) == {}


def test_concurrent_replace_and_delete_stay_consistent() -> None:
    backend = MemoryPermission()

    def churn(index: int) -> None:
        object_id = f"/buckets/b{index}"
        for round_ in range(ROUNDS):
            backend.replace_object_permissions(object_id, {"read": [f"account:{round_}"]})
            backend.delete_object_permissions(f"/buckets/b{(index + 1) % THREADS}*")
        backend.replace_object_permissions(object_id, {"read": ["account:last"]})

    run_together(churn)
    # Deletes may win or lose against the final replace, but a replace is
    # atomic: an object is either gone or holds exactly one reader.
    for permissions in backend.get_objects_permissions(
        [f"/buckets/b{index}" for index in range(THREADS)]
    ):
        assert set(permissions) <= {"read"}
        assert all(len(principals) == 1 for principals in permissions.values())
