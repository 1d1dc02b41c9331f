"""Numbered schema migrations of the SQL backends.

Each module is one step named ``<component>_<NNNN>_<what>.py`` where the
component is ``storage``, ``permission`` or ``cache`` and ``NNNN`` its
schema version after the step. A module's docstring describes the step in
its first line, and the module exposes::

    def upgrade(connection: Connection, dialect: Dialect) -> None: ...

which runs inside the migration transaction. A step never reads the
runtime table definitions of :mod:`strato.sql.schema` (they describe the
latest version): it declares what it creates, so old steps keep working
when the schema evolves. Ship a change as a new module; never edit a
released one. :mod:`strato.sql.migrator` finds and runs them.
"""
