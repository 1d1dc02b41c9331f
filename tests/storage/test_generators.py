"""Id generators: what they produce and which ids they accept."""

import re
import uuid
from typing import ClassVar

import pytest

from strato.storage.generators import UUID4, Generator, NameGenerator, RelaxedUUID


class Counter(Generator):
    """A minimal custom generator, as a service author would write one."""

    count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"item{self.count}"


def test_base_generator_must_be_subclassed() -> None:
    with pytest.raises(NotImplementedError):
        Generator()


def test_custom_generator_uses_the_base_pattern() -> None:
    generator = Counter()
    assert generator() == "item2"  # the constructor generated item1 as a check
    assert generator.match("any-Valid_id9")


@pytest.mark.parametrize(
    "candidate",
    ["", "-starts-with-dash", "_underscore", "has space", "slash/", "dot.ted", "é", "a\n"],
)
def test_base_pattern_rejects(candidate: str) -> None:
    assert not Counter().match(candidate)


@pytest.mark.parametrize("candidate", [None, 12, 1.5, b"abc", ["abc"], {"id": "abc"}])
def test_match_rejects_non_strings(candidate: object) -> None:
    assert not Counter().match(candidate)
    assert not UUID4().match(candidate)


def test_match_rejects_ids_longer_than_256_characters() -> None:
    generator = Counter()
    assert generator.match("a" * 256)
    assert not generator.match("a" * 257)


def test_constructor_rejects_a_generator_disagreeing_with_its_pattern() -> None:
    class Broken(Generator):
        regexp: ClassVar[str] = r"^[0-9]+$"

        def __call__(self) -> str:
            return "letters"

    with pytest.raises(ValueError, match="Broken"):
        Broken()


def test_uuid4_generates_lowercase_canonical_uuids() -> None:
    generator = UUID4()
    values = {generator() for _ in range(50)}
    assert len(values) == 50
    for value in values:
        assert value == str(uuid.UUID(value)) and uuid.UUID(value).version == 4
        assert generator.match(value)


def test_uuid4_is_strict() -> None:
    generator = UUID4()
    value = generator()
    assert not generator.match(value.upper())
    assert not generator.match(value.replace("-", ""))
    assert not generator.match("my-record")
    assert not generator.match(str(uuid.uuid1()))


def test_relaxed_uuid_generates_uuid4_but_accepts_names() -> None:
    generator = RelaxedUUID()
    value = generator()
    assert uuid.UUID(value).version == 4
    assert generator.match(value)
    assert generator.match("my-record")
    assert generator.match(value.upper())
    assert not generator.match("-bad")


def test_name_generator_generates_short_names() -> None:
    generator = NameGenerator()
    values = {generator() for _ in range(50)}
    assert len(values) > 45
    for value in values:
        assert re.fullmatch(r"[a-z0-9]{8}", value)
        assert generator.match(value)
    assert generator.match("main-2024")
    assert not generator.match("_main")


def test_repr() -> None:
    assert repr(UUID4()) == "UUID4()"
