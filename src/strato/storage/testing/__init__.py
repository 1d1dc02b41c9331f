"""Conformance suite for storage backends.

Every backend shipped with strato passes it, and so should yours. Subclass
:class:`StorageTest` in a test module and give it a ``storage`` fixture that
yields a ready, empty backend and cleans it afterwards::

    import pytest
    from strato.storage.memory import MemoryStorage
    from strato.storage.testing import StorageTest

    class TestMemoryStorage(StorageTest):
        @pytest.fixture
        def storage(self):
            backend = MemoryStorage()
            yield backend
            backend.flush()

Topic classes (:class:`BaseTests`, :class:`FilterTests`, ...) can be used
alone to test part of a backend. Tests skip themselves according to the
backend's capability flags (``supports_*`` class attributes), never its name.
To override one test honestly, redefine it in your subclass with a comment
saying why your backend differs, rather than deleting the assertion.

Only behaviour visible through :class:`~strato.storage.StorageBase` is tested,
and no test depends on how fast the backend is.
"""

import pytest

# Rewrite asserts of the topic modules (imported just below) so failures in a
# third-party backend's run show the compared values.
pytest.register_assert_rewrite(
    *(
        f"strato.storage.testing.{name}"
        for name in (
            "base",
            "concurrency",
            "deleted",
            "filters",
            "pagination",
            "parents",
            "purge",
            "sorting",
            "support",
            "timestamps",
        )
    )
)

from strato.storage.testing.base import (  # noqa: E402
    BaseTests,
    HeartbeatTests,
    SerializationTests,
)
from strato.storage.testing.concurrency import ConcurrencyTests, ConditionalWriteTests  # noqa: E402
from strato.storage.testing.deleted import DeletedObjectsTests  # noqa: E402
from strato.storage.testing.filters import (  # noqa: E402
    FilterTests,
    LikeFilterTests,
    ListFilterTests,
)
from strato.storage.testing.pagination import PaginationTests, next_page_rules  # noqa: E402
from strato.storage.testing.parents import ParentPatternTests  # noqa: E402
from strato.storage.testing.purge import PurgeTests, TrimTests  # noqa: E402
from strato.storage.testing.sorting import SortingTests  # noqa: E402
from strato.storage.testing.support import StorageTestBase  # noqa: E402
from strato.storage.testing.timestamps import (  # noqa: E402
    ClientTimestampsTests,
    TimestampsTests,
)

__all__ = [
    "BaseTests",
    "ClientTimestampsTests",
    "ConcurrencyTests",
    "ConditionalWriteTests",
    "DeletedObjectsTests",
    "FilterTests",
    "HeartbeatTests",
    "LikeFilterTests",
    "ListFilterTests",
    "PaginationTests",
    "ParentPatternTests",
    "PurgeTests",
    "SerializationTests",
    "SortingTests",
    "StorageTest",
    "StorageTestBase",
    "TimestampsTests",
    "TrimTests",
    "next_page_rules",
]


class StorageTest(
    BaseTests,
    SerializationTests,
    HeartbeatTests,
    TimestampsTests,
    ClientTimestampsTests,
    DeletedObjectsTests,
    FilterTests,
    LikeFilterTests,
    ListFilterTests,
    SortingTests,
    PaginationTests,
    ParentPatternTests,
    PurgeTests,
    TrimTests,
    ConditionalWriteTests,
    ConcurrencyTests,
):
    """The whole suite: subclass it and provide the ``storage`` fixture."""
