import threading
from collections.abc import Callable

import pytest
from pyramid.config import Configurator

from strato.cache.memory import DEFAULT_MAX_SIZE_BYTES, MemoryCache, load_from_config
from strato.errors import ConfigurationError

THREADS = 8
ROUNDS = 200


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


# Sizes below: key "kNN" (3 bytes) + JSON '"xxxxxxxx"' (10 bytes) = 13 bytes.
VALUE = "x" * 8
ENTRY_SIZE = 13


def key(index: int) -> str:
    return f"k{index:02d}"


def fill(cache: MemoryCache, count: int, ttl: float = 60) -> None:
    for index in range(count):
        cache.set(key(index), VALUE, ttl)


def kept(cache: MemoryCache, count: int) -> list[int]:
    return [index for index in range(count) if cache.get(key(index)) is not None]


def test_entries_expire_with_time() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    cache.set("key", "value", 10)
    clock.now += 9.5
    assert cache.get("key") == "value"
    assert cache.ttl("key") == 1
    clock.now += 0.5
    assert cache.get("key") is None
    assert cache.ttl("key") == -1


def test_expire_is_measured_from_now() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    cache.set("key", "value", 10)
    clock.now += 8
    cache.expire("key", 10)
    clock.now += 8
    assert cache.get("key") == "value"
    assert cache.ttl("key") == 2


def test_cap_is_not_reached() -> None:
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10)
    fill(cache, 10)
    assert kept(cache, 10) == list(range(10))


def test_overflow_evicts_oldest_down_to_80_percent() -> None:
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10)
    fill(cache, 11)
    # 143 bytes > 130: the three oldest go, leaving 104 bytes (80 %).
    assert kept(cache, 11) == list(range(3, 11))


def test_prefix_counts_towards_the_size() -> None:
    cache = MemoryCache(cache_prefix="p:", cache_max_size_bytes=(ENTRY_SIZE + 2) * 10)
    fill(cache, 11)
    assert kept(cache, 11) == list(range(3, 11))


def test_setting_again_makes_an_entry_young() -> None:
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10)
    fill(cache, 10)
    cache.set(key(0), VALUE, 60)
    cache.set(key(10), VALUE, 60)
    assert kept(cache, 11) == [0, *range(4, 11)]


def test_reading_does_not_make_an_entry_young() -> None:
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10)
    fill(cache, 10)
    cache.get(key(0))
    cache.expire(key(0), 120)
    cache.set(key(10), VALUE, 60)
    assert 0 not in kept(cache, 11)


def test_expired_entries_are_evicted_first() -> None:
    clock = FakeClock()
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10, clock=clock)
    fill(cache, 5)
    for index in range(5, 10):
        cache.set(key(index), VALUE, 5)
    clock.now += 10
    cache.set(key(10), VALUE, 60)
    assert kept(cache, 11) == [0, 1, 2, 3, 4, 10]


def test_deleted_entries_free_their_space() -> None:
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10)
    fill(cache, 10)
    cache.delete(key(9))
    cache.set(key(10), VALUE, 60)
    assert kept(cache, 11) == [*range(9), 10]


def test_an_oversized_value_is_not_kept() -> None:
    cache = MemoryCache(cache_max_size_bytes=100)
    cache.set("small", "x", 60)
    cache.set("big", "old", 60)
    cache.set("big", "x" * 200, 60)
    assert cache.get("big") is None
    assert cache.get("small") == "x"


def test_a_large_value_evicts_everything_else() -> None:
    cache = MemoryCache(cache_max_size_bytes=ENTRY_SIZE * 10)
    fill(cache, 5)
    cache.set("big", "x" * 100, 60)
    assert kept(cache, 5) == []
    assert cache.get("big") == "x" * 100


def test_no_cap() -> None:
    cache = MemoryCache(cache_max_size_bytes=None)
    cache.set("big", "x" * (2 * DEFAULT_MAX_SIZE_BYTES), 60)
    assert cache.get("big") is not None


def test_load_from_config_defaults() -> None:
    cache = load_from_config(Configurator())
    assert cache.prefix == ""
    assert cache.max_size_bytes == DEFAULT_MAX_SIZE_BYTES == 524288


def test_load_from_config_reads_settings() -> None:
    config = Configurator(settings={"cache_prefix": "food:", "cache_max_size_bytes": "2048"})
    cache = load_from_config(config)
    assert cache.prefix == "food:"
    assert cache.max_size_bytes == 2048


@pytest.mark.parametrize("raw", ["lots", "-1", "0", 1.5, True])
def test_load_from_config_rejects_bad_size(raw: object) -> None:
    config = Configurator(settings={"cache_max_size_bytes": raw})
    with pytest.raises(ConfigurationError, match="cache_max_size_bytes"):
        load_from_config(config)


def test_concurrent_writers_each_see_their_own_values() -> None:
    cache = MemoryCache(cache_max_size_bytes=None)

    def write(index: int) -> None:
        for round_ in range(ROUNDS):
            key = f"t{index}-{round_}"
            cache.set(key, {"thread": index, "round": round_}, 60)
            assert cache.get(key) == {"thread": index, "round": round_}
            cache.set("shared", index, 60)

    run_together(write)
    assert all(
        cache.get(f"t{i}-{r}") == {"thread": i, "round": r}
        for i in range(THREADS)
        for r in range(ROUNDS)
    )
    assert cache.get("shared") in range(THREADS)


def test_concurrent_deletes_hand_out_each_value_once() -> None:
    cache = MemoryCache(cache_max_size_bytes=None)
    for round_ in range(ROUNDS):
        cache.set(f"token-{round_}", round_, 60)
    claimed: list[list[int]] = [[] for _ in range(THREADS)]

    def claim(index: int) -> None:
        for round_ in range(ROUNDS):
            value = cache.delete(f"token-{round_}")
            if value is not None:
                claimed[index].append(value)

    run_together(claim)
    assert sorted(v for values in claimed for v in values) == list(range(ROUNDS))


def test_concurrent_writes_respect_the_cap() -> None:
    cap = ENTRY_SIZE * 50
    cache = MemoryCache(cache_max_size_bytes=cap)

    def write(index: int) -> None:
        for round_ in range(ROUNDS):
            cache.set(key((index * 7 + round_) % 100), VALUE, 60)

    run_together(write)
    assert 0 < ENTRY_SIZE * len(kept(cache, 100)) <= cap
