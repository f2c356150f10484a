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

from guanxi.core.triggers import Upkeep

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


def _sqlite_triggers() -> list[str]:
    """SQLite's triggers keeping ``sales_stagetotal`` current: per row."""
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


# PostgreSQL: one trigger per statement over its transition tables, as for the open-lead
# counts (``leads.load``): the change of each (stage, owner) row is worked out in one grouped
# query and written once. A row trigger rewrote the same totals row once per deal, and
# PostgreSQL keeps every version of a row a transaction updates: moving or reassigning
# thousands of deals of one stage and owner in one statement (or one import's batch) got
# slower with every deal.
# Grouped by (stage, owner) alone, each totals row's key, the organisation taken along: a
# statement moving a deal to another organisation under the same stage and owner nets out
# instead of writing one totals row twice.
_DELTAS = """SELECT min(organisation_id) AS organisation_id, stage_id, owner_id, count(*) AS n,
      sum(amount * 100) AS c FROM {rows} GROUP BY stage_id, owner_id"""
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
    SELECT min(organisation_id), stage_id, owner_id, sum(n), sum(c) FROM (
      {_DELTAS.format(rows="new_rows")}
      UNION ALL
      SELECT min(organisation_id), stage_id, owner_id, -count(*), -sum(amount * 100)
      FROM old_rows GROUP BY stage_id, owner_id
    ) AS d
    GROUP BY stage_id, owner_id
    HAVING (sum(n) <> 0 OR sum(c) <> 0) AND (sum(n) > 0 OR EXISTS (
      SELECT 1 FROM "{TABLE}" AS e WHERE e.stage_id = d.stage_id AND e.owner_id = d.owner_id
    ))
    ORDER BY stage_id, owner_id
    ON CONFLICT (stage_id, owner_id)
    DO UPDATE SET deals = t.deals + excluded.deals, cents = t.cents + excluded.cents;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


UPKEEP = Upkeep(
    SOURCE, "totals", _sqlite_triggers, ("ai", "ad", "au"), _PG_FUNCTION, pg_legacy=("aid", "au")
)
trigger_sql = UPKEEP.create_sql
drop_trigger_sql = UPKEEP.drop_sql
suspend = UPKEEP.suspend  # before a bulk write (``rebuild`` after)
resume = UPKEEP.resume


def rebuild(cursor, vendor: str, organisations: Iterable[int] | None = None) -> None:
    """Recount the totals (of ``organisations``, or all) from the deals; restore upkeep."""
    cents = "CAST(round(amount * 100) AS INTEGER)" if vendor == "sqlite" else "amount * 100"
    UPKEEP.recount(
        cursor,
        vendor,
        TABLE,
        f'INSERT INTO "{TABLE}" (organisation_id, stage_id, owner_id, deals, cents) '
        f"SELECT organisation_id, stage_id, owner_id, COUNT(*), SUM({cents}) "
        f'FROM "{SOURCE}" WHERE TRUE {{organisations}} '
        "GROUP BY organisation_id, stage_id, owner_id",
        organisations,
    )


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
    return UPKEEP.install_operation(rebuild)
