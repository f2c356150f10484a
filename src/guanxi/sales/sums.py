"""Sums of money in SQL that are exact to the cent on both databases, and quick at scale.

SQLite keeps a decimal column with numeric affinity, so ``1234.56`` is stored as a REAL and a
``SUM`` over a few hundred thousand of them drifts by cents. ``sum_cents`` turns each amount
into whole cents first there (exact integers); PostgreSQL sums ``numeric`` exactly as it is.
``money`` turns the sum back into a Decimal rounded to the cent.

``big_sorts`` is for the reports' GROUP BYs over hundreds of thousands of rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, Func, Q, Sum, Value

CENT = Decimal("0.01")
_WHOLE = DecimalField(max_digits=30, decimal_places=0)


class Cents(Func):
    """A money expression in whole cents."""

    template = "((%(expressions)s) * 100)"
    output_field = _WHOLE

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((%(expressions)s) * 100) AS INTEGER)",
            **extra,
        )


def sum_cents(expression: Any, *, filter: Q | None = None):
    """``SUM`` of a money expression (a column name or an expression) in whole cents."""
    if connection.vendor == "sqlite":
        return Sum(Cents(expression), filter=filter, output_field=_WHOLE)
    # PostgreSQL's numeric sums are exact: sum the amounts, then make the sum cents (once,
    # not once a row: numeric arithmetic is a tenth of a report's time at a million orders).
    return ExpressionWrapper(Sum(expression, filter=filter) * Value(100), output_field=_WHOLE)


def money(cents: Any) -> Decimal:
    """A sum from ``sum_cents`` as money (None, for no rows, is zero)."""
    return (Decimal(cents or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@contextlib.contextmanager
def big_sorts() -> Iterator[None]:
    """Statements inside sort the way SQLite sorts large sets fastest.

    guanxi runs SQLite with a 64 MB page cache and ``temp_store=MEMORY`` (settings), which
    suit list pages. A GROUP BY over hundreds of thousands of rows sorts them, and SQLite's
    sorter takes as much memory as the page cache allows: one large in-memory sort is
    slower than several small sorted runs merged through temporary files (which the
    operating system keeps in its own cache). Grouping a quarter's 350,000 order lines by
    product took 490 ms of CPU with the settings, 390 with temporary files and 260 with
    the default 2 MB cache as well (benchmarks/sales.py). The settings are per connection
    and restored afterwards; PostgreSQL is left alone, and so is a transaction (SQLite
    refuses to change temporary storage in one that used it; requests that only read run
    outside one).
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        temp_store = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA temp_store=FILE")
        cursor.execute("PRAGMA cache_size=-2000")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={cache_size}")
            cursor.execute(f"PRAGMA temp_store={temp_store}")
