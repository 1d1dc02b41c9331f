"""Object id generators.

A generator is a callable producing a new id, plus a ``match()`` method the
resource layer uses to validate ids sent by clients (in URLs or bodies). The
storage backends only call generators; they never validate ids.

Service authors pick one per resource (``id_generator`` setting or the
``Resource.id_generator`` attribute) and may subclass :class:`Generator`,
overriding ``regexp`` and ``__call__``.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from typing import ClassVar

__all__ = ["MAX_ID_LENGTH", "UUID4", "Generator", "NameGenerator", "RelaxedUUID"]

#: Ids longer than this are rejected by :meth:`Generator.match`, whatever the regexp.
MAX_ID_LENGTH = 256


class Generator:
    """Base class of id generators.

    ``regexp`` is the pattern every valid id matches (anchored). The
    constructor generates one id and raises :class:`ValueError` if it does not
    match ``regexp``, so a subclass whose two halves disagree fails at startup
    rather than on the first client request.
    """

    regexp: ClassVar[str] = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"

    def __init__(self) -> None:
        self._regexp = re.compile(self.regexp)
        sample = self()
        if not self.match(sample):
            raise ValueError(
                f"{type(self).__name__} generated {sample!r}, "
                f"which does not match its own regexp {self.regexp!r}"
            )

    def match(self, object_id: object) -> bool:
        """Return whether ``object_id`` is an acceptable id for this generator.

        Non-strings and strings longer than 256 characters never match.
        """
        if not isinstance(object_id, str) or len(object_id) > MAX_ID_LENGTH:
            return False
        return self._regexp.fullmatch(object_id) is not None

    def __call__(self) -> str:
        """Return a new id. Subclasses must override this."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class UUID4(Generator):
    """Lowercase canonical UUID4 (``8-4-4-4-12`` hex digits); the default."""

    regexp: ClassVar[str] = (
        r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    )

    def __call__(self) -> str:
        return str(uuid.uuid4())


class RelaxedUUID(UUID4):
    """Generates UUID4 ids but accepts any id matching the base pattern.

    Suits resources whose clients choose their own ids (records synced from
    an offline store) while server-made ids stay UUIDs.
    """

    regexp: ClassVar[str] = Generator.regexp


class NameGenerator(Generator):
    """Short human-friendly ids: 8 lowercase letters or digits.

    Accepts any id matching the base pattern, so clients may pick readable
    names such as ``blog`` or ``main-2024``.
    """

    regexp: ClassVar[str] = Generator.regexp
    length: ClassVar[int] = 8
    _alphabet: ClassVar[str] = string.ascii_lowercase + string.digits

    def __call__(self) -> str:
        return "".join(secrets.choice(self._alphabet) for _ in range(self.length))
