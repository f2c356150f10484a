"""The arithmetic of payment plans and receipts, kept apart from the database so it can be
tested on its own: presets, equal shares to the cent, month steps, allocation of money."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.sales.pricing import CENT, cents


class PlanPreset(models.TextChoices):
    ON_DELIVERY = "on_delivery", gettext_lazy("100 % on delivery")
    DEPOSIT = "deposit_30", gettext_lazy("Deposit of 30 %, 70 % on delivery")
    MONTHLY = "monthly", gettext_lazy("Equal monthly instalments")


DEPOSIT_PERCENT = Decimal("30")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def split_equally(total: Decimal, count: int) -> list[Decimal]:
    """``count`` shares of ``total``, each rounded down to the cent, the remainder on the last.

    Rounding down (not half up) keeps every share but the last equal and the last one at
    least as large, so no share can come out zero or negative while ``total`` holds a cent
    per share.
    """
    if count < 1:
        raise ValueError("count must be positive")
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [total - share * (count - 1)]


def preset_schedule(
    preset: str, *, total: Decimal, start: date, delivery: date, count: int | None = None
) -> list[tuple[date, Decimal, str]]:
    """The instalments (due date, amount, note) a preset makes for ``total``.

    ``start`` is when the deposit or the first monthly instalment falls due, ``delivery``
    when the rest does. The amounts always add up to ``total`` exactly.
    """
    if preset == PlanPreset.ON_DELIVERY:
        return [(delivery, total, _("On delivery"))]
    if preset == PlanPreset.DEPOSIT:
        deposit = cents(total * DEPOSIT_PERCENT / 100)
        rows = [
            (start, deposit, _("Deposit")),
            (max(delivery, start), total - deposit, _("On delivery")),
        ]
        return [row for row in rows if row[1] > 0]  # a cent or two is not split
    if preset == PlanPreset.MONTHLY:
        n = int(count or 0)
        return [
            (
                add_months(start, i),
                amount,
                _("Instalment %(n)s of %(count)s") % {"n": i + 1, "count": n},
            )
            for i, amount in enumerate(split_equally(total, n))
        ]
    raise ValueError(f"unknown preset {preset!r}")


def allocate(
    open_items: Sequence[tuple[Any, Decimal]], amount: Decimal
) -> list[tuple[Any, Decimal]]:
    """Spread ``amount`` over ``(key, outstanding)`` pairs in their order (oldest due first).

    The caller has checked that ``amount`` is not more than what is outstanding in all.
    """
    out = []
    left = amount
    for key, outstanding in open_items:
        if left <= 0:
            break
        take = min(left, outstanding)
        if take > 0:
            out.append((key, take))
            left -= take
    if left > 0:
        raise ValueError("amount exceeds what is outstanding")
    return out
