"""Sums of money in SQL that are exact to the cent on both databases.

SQLite keeps a decimal column with numeric affinity, so ``1234.56`` is stored as a REAL and a
``SUM`` over a few hundred thousand of them drifts by cents. ``Cents`` turns each amount into
whole cents first (an exact integer on SQLite, ``numeric`` on PostgreSQL); ``money`` turns the
sum back into a Decimal rounded to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DecimalField, Func, Q, Sum

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


def sum_cents(expression: Any, *, filter: Q | None = None) -> Sum:
    """``SUM`` of a money expression (a column name or an expression) in whole cents."""
    return Sum(Cents(expression), filter=filter, output_field=_WHOLE)


def money(cents: Any) -> Decimal:
    """A sum from ``sum_cents`` as money (None, for no rows, is zero)."""
    return (Decimal(cents or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
