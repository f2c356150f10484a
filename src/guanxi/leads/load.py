"""How many open leads each person holds, kept current by the database.

Least-loaded assignment gives a new lead to the team member holding the fewest open leads,
and a pool lets a person claim only up to its limit. Counting a team's open leads on every
new lead reads one index entry per open lead: a few at first, hundreds of thousands once
the leads pile up, at every web-form post. ``leads_ownerload`` holds the count per owner
instead; triggers on ``leads_lead`` keep it exact on every insert, delete and change of
owner or status, whatever writes the row (services, imports, the pool's reclaim job, which
moves many leads in one UPDATE, a raw SQL fix). Reading a team's load is then one row per
member. SQLite's triggers run per row (it updates a row in place); PostgreSQL's per
statement, from the statement's transition tables (see ``_PG_FUNCTION``).

A lead counts while it has an owner and an open status (``OPEN_STATUSES``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations

from guanxi.leads.models import OPEN_STATUSES

TABLE = "leads_ownerload"
SOURCE = "leads_lead"


def _open(row: str) -> str:
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    return f"({row}.owner_id IS NOT NULL AND {row}.status IN ({statuses}))"


def _sqlite_add(row: str) -> str:
    return (
        f'INSERT INTO "{TABLE}" (organisation_id, owner_id, open_leads) '
        f"VALUES ({row}.organisation_id, {row}.owner_id, 1) "
        "ON CONFLICT (owner_id) DO UPDATE SET open_leads = open_leads + 1;"
    )


def _sqlite_remove(row: str) -> str:
    # An UPDATE, never an insert: a row that is gone must not come back negative.
    return f'UPDATE "{TABLE}" SET open_leads = open_leads - 1 WHERE owner_id = {row}.owner_id;'


def trigger_sql(vendor: str) -> list[str]:
    """Statements that create the triggers keeping ``leads_ownerload`` current."""
    same_owner = "new.owner_id IS old.owner_id"
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER "{SOURCE}_load_ai" AFTER INSERT ON "{SOURCE}" '
            f"WHEN {_open('new')} BEGIN {_sqlite_add('new')} END",
            f'CREATE TRIGGER "{SOURCE}_load_ad" AFTER DELETE ON "{SOURCE}" '
            f"WHEN {_open('old')} BEGIN {_sqlite_remove('old')} END",
            # A change of owner or status: off the old owner's count when the lead counted
            # there and no longer does; onto the new owner's in the opposite case.
            f'CREATE TRIGGER "{SOURCE}_load_au_off" AFTER UPDATE OF owner_id, status '
            f'ON "{SOURCE}" WHEN {_open("old")} AND NOT ({_open("new")} AND {same_owner}) '
            f"BEGIN {_sqlite_remove('old')} END",
            f'CREATE TRIGGER "{SOURCE}_load_au_on" AFTER UPDATE OF owner_id, status '
            f'ON "{SOURCE}" WHEN {_open("new")} AND NOT ({_open("old")} AND {same_owner}) '
            f"BEGIN {_sqlite_add('new')} END",
        ]
    if vendor == "postgresql":
        return [_PG_FUNCTION, *(_pg_trigger(op) for op in ("insert", "update", "delete"))]
    return []


# PostgreSQL: one trigger per statement, not per row. The statement's changed rows arrive
# as transition tables; the change of each owner's count is worked out from them in one
# grouped query and written once per owner. A row trigger would rewrite the same counter
# row once per lead, and PostgreSQL keeps every version of a row a transaction updates:
# one statement moving thousands of leads of one owner (the reclaim job) walked an ever
# longer chain of versions at each, and took minutes instead of seconds.
_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION "{SOURCE}_load"() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "{TABLE}" AS t (organisation_id, owner_id, open_leads)
    SELECT organisation_id, owner_id, count(*) FROM new_rows AS n WHERE {_open("n")}
    GROUP BY organisation_id, owner_id ORDER BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET open_leads = t.open_leads + excluded.open_leads;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "{TABLE}" AS t SET open_leads = t.open_leads - d.n
    FROM (SELECT owner_id, count(*) AS n FROM old_rows AS o WHERE {_open("o")}
          GROUP BY owner_id) AS d
    WHERE t.owner_id = d.owner_id;
  ELSE
    INSERT INTO "{TABLE}" AS t (organisation_id, owner_id, open_leads)
    SELECT organisation_id, owner_id, sum(n) FROM (
      SELECT organisation_id, owner_id, 1 AS n FROM new_rows AS n WHERE {_open("n")}
      UNION ALL
      SELECT organisation_id, owner_id, -1 FROM old_rows AS o WHERE {_open("o")}
    ) AS d
    GROUP BY organisation_id, owner_id HAVING sum(n) <> 0 ORDER BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET open_leads = t.open_leads + excluded.open_leads;
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
        f'CREATE TRIGGER "{SOURCE}_load_{op}" AFTER {op.upper()} ON "{SOURCE}" '
        f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION "{SOURCE}_load"()'
    )


def drop_trigger_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f'DROP TRIGGER IF EXISTS "{SOURCE}_load_{s}"' for s in ("ai", "ad", "au_off", "au_on")
        ]
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{SOURCE}_load_{s}" ON "{SOURCE}"'
            for s in ("insert", "update", "delete")
        ]
    return []


def suspend(cursor, vendor: str) -> None:
    """Before a bulk write of leads: stop the upkeep of the counts (``rebuild`` afterwards)."""
    for sql in drop_trigger_sql(vendor):
        cursor.execute(sql)


def resume(cursor, vendor: str) -> None:
    """Restore the upkeep after ``suspend``, when the counts did not change meanwhile."""
    for sql in drop_trigger_sql(vendor) + trigger_sql(vendor):
        cursor.execute(sql)


def rebuild(cursor, vendor: str, organisations: Iterable[int] | None = None) -> None:
    """Recount the open leads (of ``organisations``, or all) and restore the triggers."""
    where, params = "", []
    if organisations is not None:
        ids = list(organisations) or [0]
        where = f"organisation_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    cursor.execute(f'DELETE FROM "{TABLE}"' + (f" WHERE {where}" if where else ""), params)
    cursor.execute(
        f'INSERT INTO "{TABLE}" (organisation_id, owner_id, open_leads) '
        f'SELECT organisation_id, owner_id, COUNT(*) FROM "{SOURCE}" AS l '
        f"WHERE {_open('l')}" + (f" AND {where}" if where else "") + " "
        "GROUP BY organisation_id, owner_id",
        params,
    )
    for sql in drop_trigger_sql(vendor) + trigger_sql(vendor):
        cursor.execute(sql)


def install_operation() -> migrations.RunPython:
    """A migration operation: count the existing open leads and start the triggers."""

    def forward(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            rebuild(cursor, schema_editor.connection.vendor)

    def backward(apps, schema_editor):
        for sql in drop_trigger_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    return migrations.RunPython(forward, backward)
