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

from guanxi.core.triggers import Upkeep
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


def _sqlite_triggers() -> list[str]:
    """SQLite's triggers keeping ``leads_ownerload`` current: per row."""
    same_owner = "new.owner_id IS old.owner_id"
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


# PostgreSQL: one trigger per statement, not per row. The statement's changed rows arrive
# as transition tables; the change of each owner's count is worked out from them in one
# grouped query and written once per owner. A row trigger would rewrite the same counter
# row once per lead, and PostgreSQL keeps every version of a row a transaction updates:
# one statement moving thousands of leads of one owner (the reclaim job) walked an ever
# longer chain of versions at each, and took minutes instead of seconds.
# Grouped by the owner alone (each counter row's key), the organisation taken along: a
# statement moving a lead to another organisation under the same owner nets out instead of
# writing one counter row twice. A loss never creates a row (it may be gone already).
_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION "{SOURCE}_load"() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "{TABLE}" AS t (organisation_id, owner_id, open_leads)
    SELECT min(organisation_id), owner_id, count(*) FROM new_rows AS n WHERE {_open("n")}
    GROUP BY owner_id ORDER BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET open_leads = t.open_leads + excluded.open_leads;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "{TABLE}" AS t SET open_leads = t.open_leads - d.n
    FROM (SELECT owner_id, count(*) AS n FROM old_rows AS o WHERE {_open("o")}
          GROUP BY owner_id) AS d
    WHERE t.owner_id = d.owner_id;
  ELSE
    INSERT INTO "{TABLE}" AS t (organisation_id, owner_id, open_leads)
    SELECT min(organisation_id), owner_id, sum(n) FROM (
      SELECT organisation_id, owner_id, 1 AS n FROM new_rows AS n WHERE {_open("n")}
      UNION ALL
      SELECT organisation_id, owner_id, -1 FROM old_rows AS o WHERE {_open("o")}
    ) AS d
    GROUP BY owner_id
    HAVING sum(n) <> 0 AND (sum(n) > 0 OR EXISTS (
      SELECT 1 FROM "{TABLE}" AS e WHERE e.owner_id = d.owner_id
    ))
    ORDER BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET open_leads = t.open_leads + excluded.open_leads;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


UPKEEP = Upkeep(SOURCE, "load", _sqlite_triggers, ("ai", "ad", "au_off", "au_on"), _PG_FUNCTION)
trigger_sql = UPKEEP.create_sql
drop_trigger_sql = UPKEEP.drop_sql
suspend = UPKEEP.suspend  # before a bulk write (``rebuild`` after)
resume = UPKEEP.resume


def rebuild(cursor, vendor: str, organisations: Iterable[int] | None = None) -> None:
    """Recount the open leads (of ``organisations``, or all) and restore the triggers."""
    UPKEEP.recount(
        cursor,
        vendor,
        TABLE,
        f'INSERT INTO "{TABLE}" (organisation_id, owner_id, open_leads) '
        f'SELECT organisation_id, owner_id, COUNT(*) FROM "{SOURCE}" AS l '
        f"WHERE {_open('l')} {{organisations}} GROUP BY organisation_id, owner_id",
        organisations,
    )


def install_operation() -> migrations.RunPython:
    """A migration operation: count the existing open leads and start the triggers."""
    return UPKEEP.install_operation(rebuild)
