"""Per-stage deal counts and amounts, kept current by the database for the kanban board.

The board shows, above each stage, how many deals the user sees there and their total. At a
million deals, adding them up on every view costs half a second. ``sales_stagetotal`` holds
one row per (stage, owner) with the number of deals and their amount in cents; triggers on
``sales_opportunity`` (per row on SQLite, per statement on PostgreSQL) keep it exact on
every insert, delete and change of stage, owner or amount, whatever writes the row
(services, the API, imports, a raw SQL fix). Because the rows are per owner, the board sums
exactly the owners the user's scope lets them see — the same ``access.scoped`` filter as
the deals themselves — so a rep never sees the team's figures. Amounts are kept as whole
cents: exact integers on SQLite, ``numeric`` on PostgreSQL.

Bulk loads suspend the triggers and ``rebuild`` the organisation's rows afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations

TABLE = "sales_stagetotal"
SOURCE = "sales_opportunity"
_CHANGED = ("stage_id", "owner_id", "amount", "organisation_id")


def _sqlite_cents(row: str) -> str:
    # Amounts are stored with numeric affinity (often REAL): round to whole cents exactly.
    return f"CAST(round({row}.amount * 100) AS INTEGER)"


def _sqlite_add(row: str) -> str:
    return (
        f'INSERT INTO "{TABLE}" (organisation_id, stage_id, owner_id, deals, cents) '
        f"VALUES ({row}.organisation_id, {row}.stage_id, {row}.owner_id, 1, "
        f"{_sqlite_cents(row)}) "
        "ON CONFLICT (stage_id, owner_id) DO UPDATE SET "
        "deals = deals + 1, cents = cents + excluded.cents;"
    )


def _sqlite_remove(row: str) -> str:
    # An UPDATE, never an insert: removing from a row that is gone (the organisation's
    # totals deleted first) must not leave a negative row behind.
    return (
        f'UPDATE "{TABLE}" SET deals = deals - 1, cents = cents - {_sqlite_cents(row)} '
        f"WHERE stage_id = {row}.stage_id AND owner_id = {row}.owner_id;"
    )


def trigger_sql(vendor: str) -> list[str]:
    """Statements that create the triggers keeping ``sales_stagetotal`` current."""
    if vendor == "sqlite":
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _CHANGED)
        return [
            f'CREATE TRIGGER "{SOURCE}_totals_ai" AFTER INSERT ON "{SOURCE}" '
            f"BEGIN {_sqlite_add('new')} END",
            f'CREATE TRIGGER "{SOURCE}_totals_ad" AFTER DELETE ON "{SOURCE}" '
            f"BEGIN {_sqlite_remove('old')} END",
            f'CREATE TRIGGER "{SOURCE}_totals_au" AFTER UPDATE OF {", ".join(_CHANGED)} '
            f'ON "{SOURCE}" WHEN {changed} '
            f"BEGIN {_sqlite_remove('old')} {_sqlite_add('new')} END",
        ]
    if vendor == "postgresql":
        return [_PG_FUNCTION, *(_pg_trigger(op) for op in ("insert", "update", "delete"))]
    return []


# PostgreSQL: one trigger per statement over its transition tables, as for the open-lead
# counts (``leads.load``): the change of each (stage, owner) row is worked out in one grouped
# query and written once. A row trigger rewrote the same totals row once per deal, and
# PostgreSQL keeps every version of a row a transaction updates: moving or reassigning
# thousands of deals of one stage and owner in one statement (or one import's batch) got
# slower with every deal.
_DELTAS = """SELECT organisation_id, stage_id, owner_id, count(*) AS n, sum(amount * 100) AS c
      FROM {rows} GROUP BY organisation_id, stage_id, owner_id"""
_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION "{SOURCE}_totals"() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "{TABLE}" AS t (organisation_id, stage_id, owner_id, deals, cents)
    SELECT * FROM ({_DELTAS.format(rows="new_rows")}) AS d ORDER BY stage_id, owner_id
    ON CONFLICT (stage_id, owner_id)
    DO UPDATE SET deals = t.deals + excluded.deals, cents = t.cents + excluded.cents;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "{TABLE}" AS t SET deals = t.deals - d.n, cents = t.cents - d.c
    FROM ({_DELTAS.format(rows="old_rows")}) AS d
    WHERE t.stage_id = d.stage_id AND t.owner_id = d.owner_id;
  ELSE
    -- Only what changed: each (stage, owner) gains its new rows and loses its old ones. A
    -- row is never created by a loss (the organisation's totals may be gone already).
    INSERT INTO "{TABLE}" AS t (organisation_id, stage_id, owner_id, deals, cents)
    SELECT organisation_id, stage_id, owner_id, sum(n), sum(c) FROM (
      {_DELTAS.format(rows="new_rows")}
      UNION ALL
      SELECT organisation_id, stage_id, owner_id, -count(*), -sum(amount * 100)
      FROM old_rows GROUP BY organisation_id, stage_id, owner_id
    ) AS d
    GROUP BY organisation_id, stage_id, owner_id
    HAVING (sum(n) <> 0 OR sum(c) <> 0) AND (sum(n) > 0 OR EXISTS (
      SELECT 1 FROM "{TABLE}" AS e WHERE e.stage_id = d.stage_id AND e.owner_id = d.owner_id
    ))
    ORDER BY stage_id, owner_id
    ON CONFLICT (stage_id, owner_id)
    DO UPDATE SET deals = t.deals + excluded.deals, cents = t.cents + excluded.cents;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _pg_trigger(op: str) -> str:
    tables = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }[op]
    return (
        f'CREATE TRIGGER "{SOURCE}_totals_{op}" AFTER {op.upper()} ON "{SOURCE}" '
        f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION "{SOURCE}_totals"()'
    )


def drop_trigger_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f'DROP TRIGGER IF EXISTS "{SOURCE}_totals_{s}"' for s in ("ai", "ad", "au")]
    if vendor == "postgresql":
        # "aid" and "au": the row triggers of earlier versions
        return [
            f'DROP TRIGGER IF EXISTS "{SOURCE}_totals_{s}" ON "{SOURCE}"'
            for s in ("aid", "au", "insert", "update", "delete")
        ]
    return []


def suspend(cursor, vendor: str) -> None:
    """Before a bulk write of deals: stop per-row upkeep (``rebuild`` afterwards)."""
    for sql in drop_trigger_sql(vendor):
        cursor.execute(sql)


def resume(cursor, vendor: str) -> None:
    """Restore per-row upkeep after ``suspend`` (when the deals' totals did not change)."""
    for sql in drop_trigger_sql(vendor) + trigger_sql(vendor):
        cursor.execute(sql)


def rebuild(cursor, vendor: str, organisations: Iterable[int] | None = None) -> None:
    """Recount the totals (of ``organisations``, or all) from the deals; restore upkeep."""
    where, params = "", []
    if organisations is not None:
        ids = list(organisations) or [0]
        where = f"WHERE organisation_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    cents = "CAST(round(amount * 100) AS INTEGER)" if vendor == "sqlite" else "amount * 100"
    cursor.execute(f'DELETE FROM "{TABLE}" {where}', params)
    cursor.execute(
        f'INSERT INTO "{TABLE}" (organisation_id, stage_id, owner_id, deals, cents) '
        f"SELECT organisation_id, stage_id, owner_id, COUNT(*), SUM({cents}) "
        f'FROM "{SOURCE}" {where} GROUP BY organisation_id, stage_id, owner_id',
        params,
    )
    resume(cursor, vendor)


def per_statement_operation() -> migrations.RunPython:
    """A migration operation: PostgreSQL's row triggers give way to the statement triggers
    (the totals they kept are exact, so nothing is recounted)."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                resume(cursor, "postgresql")

    return migrations.RunPython(forward, migrations.RunPython.noop)


def install_operation() -> migrations.RunPython:
    """A migration operation: count the existing deals and start the triggers."""

    def forward(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            rebuild(cursor, schema_editor.connection.vendor)

    def backward(apps, schema_editor):
        for sql in drop_trigger_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    return migrations.RunPython(forward, backward)
