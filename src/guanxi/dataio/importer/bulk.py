"""Writing many rows at once: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Building a model object per row costs more than writing the row (DESIGN.md: 17 s for a
million objects), so the import's fast path hands tuples straight to the database cursor of
the current transaction. Ids are reserved first, so the rows written can be recorded for
undo and resume in the same transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from django.db import connection


def reserve_ids(table: str, n: int) -> list[int]:
    """``n`` fresh primary keys for ``table`` (the caller holds the write transaction)."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the write lock is held from BEGIN (IMMEDIATE), so no one else can take
        # these; AUTOINCREMENT's counter keeps ids of deleted rows from coming back.
        cursor.execute(
            "SELECT max(coalesce((SELECT max(id) FROM " + _quote(table) + "), 0), "
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + n))


def insert(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    if not rows:
        return
    cols = ", ".join(_quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {_quote(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {_quote(table)} ({cols}) VALUES ({marks})", rows)


def existing(table: str, column: str, organisation_id: int, values: Sequence[str]) -> set:
    """Which of ``values`` the organisation's rows of ``table`` hold in ``column`` (indexed):
    one lookup for the whole list. Plain SQL, because the ORM's preparation of a
    5,000-value ``IN`` list costs more than the lookup itself; PostgreSQL takes the values as
    one array parameter (``= ANY``), where thousands of placeholders would cost the driver
    and the server's parser more than the index search, SQLite in chunks under its limit of
    bound parameters."""
    found: set = set()
    if not values:
        return found
    sql = f"SELECT {_quote(column)} FROM {_quote(table)} WHERE organisation_id = %s AND "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql + f"{_quote(column)} = ANY(%s)", [organisation_id, list(values)])
            found.update(r[0] for r in cursor.fetchall())
            return found
        values = list(values)
        for start in range(0, len(values), 900):
            chunk = values[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(sql + f"{_quote(column)} IN ({marks})", [organisation_id, *chunk])
            found.update(r[0] for r in cursor.fetchall())
    return found


@contextlib.contextmanager
def unmapped() -> Iterator[None]:
    """SQLite: read through the page cache rather than memory-mapped I/O inside the block
    (the connection's setting is restored after).

    Every page of the database file a process has read through its memory map counts as
    its own memory: an import that checks a million rows against their indexes ended with
    the 256 MB map resident on top of its own work. An import mostly writes, which never
    goes through the map, so it loses nothing by reading the usual way."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size={before}")


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)
