"""Summary tables the database keeps current with triggers: the set of triggers of one.

A few figures are read far more often than they change and would cost a scan to compute
(the deals' totals per stage and owner, the open leads per owner), so a table holds them
and triggers on the source table keep them exact whatever writes its rows. SQLite runs its
triggers per row: it updates a row in place. PostgreSQL runs one trigger per statement with
the statement's rows as transition tables (``new_rows``, ``old_rows``), and the function
works out each summary row's change in one grouped query: a row trigger would rewrite the
same summary row once per source row, and PostgreSQL keeps every version of a row a
transaction updates, so a statement changing thousands of rows of one group (a mass
reassignment, the pool's reclaim job) would get slower with every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import migrations

EVENTS = ("insert", "update", "delete")
_TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


@dataclass(frozen=True)
class Upkeep:
    """The triggers named ``{source}_{name}_…`` that keep one summary table current.

    ``sqlite``: the SQLite triggers' CREATE statements, named with ``sqlite_suffixes``;
    ``pg_function``: the CREATE FUNCTION of ``"{source}_{name}"()``, which the statement
    triggers run; ``pg_legacy``: suffixes of triggers earlier versions created, dropped too.
    """

    source: str
    name: str
    sqlite: Callable[[], list[str]]
    sqlite_suffixes: tuple[str, ...]
    pg_function: str
    pg_legacy: tuple[str, ...] = ()

    def create_sql(self, vendor: str) -> list[str]:
        if vendor == "sqlite":
            return self.sqlite()
        if vendor == "postgresql":
            return [self.pg_function, *(self._pg_trigger(event) for event in EVENTS)]
        return []

    def drop_sql(self, vendor: str) -> list[str]:
        stem = f"{self.source}_{self.name}"
        if vendor == "sqlite":
            return [f'DROP TRIGGER IF EXISTS "{stem}_{s}"' for s in self.sqlite_suffixes]
        if vendor == "postgresql":
            return [
                f'DROP TRIGGER IF EXISTS "{stem}_{s}" ON "{self.source}"'
                for s in (*self.pg_legacy, *EVENTS)
            ]
        return []

    def suspend(self, cursor, vendor: str) -> None:
        """Before a bulk write: stop the upkeep (recount afterwards)."""
        for sql in self.drop_sql(vendor):
            cursor.execute(sql)

    def resume(self, cursor, vendor: str) -> None:
        """Start (or restart) the upkeep, when the summary is right as it stands."""
        for sql in self.drop_sql(vendor) + self.create_sql(vendor):
            cursor.execute(sql)

    def recount(self, cursor, vendor: str, table: str, insert: str, organisations=None) -> None:
        """Empty the summary ``table`` (the rows of ``organisations``, or all) and fill it
        again with ``insert``, an INSERT … SELECT whose WHERE ends with ``{organisations}``;
        then restart the upkeep."""
        condition, params = "", []
        if organisations is not None:
            ids = list(organisations) or [0]
            condition = f"organisation_id IN ({', '.join(['%s'] * len(ids))})"
            params = ids
        where = f" WHERE {condition}" if condition else ""
        cursor.execute(f'DELETE FROM "{table}"{where}', params)
        cursor.execute(insert.format(organisations=f"AND {condition}" if condition else ""), params)
        self.resume(cursor, vendor)

    def install_operation(self, rebuild: Callable) -> migrations.RunPython:
        """A migration operation: ``rebuild(cursor, vendor)`` counts what is there and
        starts the triggers; backwards, the triggers go."""

        def forward(apps, schema_editor):
            with schema_editor.connection.cursor() as cursor:
                rebuild(cursor, schema_editor.connection.vendor)

        def backward(apps, schema_editor):
            for sql in self.drop_sql(schema_editor.connection.vendor):
                schema_editor.execute(sql)

        return migrations.RunPython(forward, backward)

    def _pg_trigger(self, event: str) -> str:
        stem = f"{self.source}_{self.name}"
        return (
            f'CREATE TRIGGER "{stem}_{event}" AFTER {event.upper()} ON "{self.source}" '
            f"REFERENCING {_TRANSITION_TABLES[event]} FOR EACH STATEMENT "
            f'EXECUTE FUNCTION "{stem}"()'
        )
