"""Per-stage deal counts and amounts, kept current by the database for the kanban board.

The board shows, above each stage, how many deals the user sees there and their total. At a
million deals, adding them up on every view costs half a second. ``sales_stagetotal`` holds
one row per (stage, owner) with the number of deals and their amount in cents; triggers on
``sales_opportunity`` keep it exact on every insert, delete and change of stage, owner or
amount, whatever writes the row (services, the API, imports, a raw SQL fix). Because the
rows are per owner, the board sums exactly the owners the user's scope lets them see —
the same ``access.scoped`` filter as the deals themselves — so a rep never sees the team's
figures. Amounts are kept as whole cents: exact integers on SQLite, ``numeric`` on
PostgreSQL.

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
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _CHANGED)
        return [
            f"""CREATE OR REPLACE FUNCTION "{SOURCE}_totals"() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE "{TABLE}" SET deals = deals - 1, cents = cents - OLD.amount * 100
    WHERE stage_id = OLD.stage_id AND owner_id = OLD.owner_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO "{TABLE}" AS t (organisation_id, stage_id, owner_id, deals, cents)
    VALUES (NEW.organisation_id, NEW.stage_id, NEW.owner_id, 1, NEW.amount * 100)
    ON CONFLICT (stage_id, owner_id)
    DO UPDATE SET deals = t.deals + 1, cents = t.cents + EXCLUDED.cents;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
            f'CREATE TRIGGER "{SOURCE}_totals_aid" AFTER INSERT OR DELETE ON "{SOURCE}" '
            f'FOR EACH ROW EXECUTE FUNCTION "{SOURCE}_totals"()',
            f'CREATE TRIGGER "{SOURCE}_totals_au" AFTER UPDATE OF {", ".join(_CHANGED)} '
            f'ON "{SOURCE}" FOR EACH ROW WHEN ({changed}) '
            f'EXECUTE FUNCTION "{SOURCE}_totals"()',
        ]
    return []


def drop_trigger_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f'DROP TRIGGER IF EXISTS "{SOURCE}_totals_{s}"' for s in ("ai", "ad", "au")]
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{SOURCE}_totals_{s}" ON "{SOURCE}"' for s in ("aid", "au")
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


def install_operation() -> migrations.RunPython:
    """A migration operation: count the existing deals and start the triggers."""

    def forward(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            rebuild(cursor, schema_editor.connection.vendor)

    def backward(apps, schema_editor):
        for sql in drop_trigger_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    return migrations.RunPython(forward, backward)
