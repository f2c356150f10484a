"""Months and quarters, the periods targets, forecasts and reports are kept for.

A period is named like ``2026-03`` (a month) or ``2026-Q1`` (a quarter). Its bounds are
midnight in the organisation's time zone, so a deal won at 23:30 in Shanghai on 31 March
counts for March even though it is stored as 15:30 UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ValidationFailed


class PeriodKind(models.TextChoices):
    MONTH = "month", gettext_lazy("Month")
    QUARTER = "quarter", gettext_lazy("Quarter")


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date

    @property
    def end(self) -> date:
        """The first day after the period."""
        months = 1 if self.kind == PeriodKind.MONTH else 3
        month = self.start.month - 1 + months
        return date(self.start.year + month // 12, month % 12 + 1, 1)

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("%(month)s %(year)s") % {
                "month": _month_names()[self.start.month - 1],
                "year": self.start.year,
            }
        return _("Q%(quarter)s %(year)s") % {
            "quarter": (self.start.month - 1) // 3 + 1,
            "year": self.start.year,
        }

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: midnight in ``time_zone``."""
        zone = zoneinfo.ZoneInfo(time_zone)
        return (
            datetime(self.start.year, self.start.month, 1, tzinfo=zone),
            datetime(self.end.year, self.end.month, 1, tzinfo=zone),
        )

    def previous(self) -> Period:
        months = 1 if self.kind == PeriodKind.MONTH else 3
        month = self.start.month - 1 - months
        return Period(self.kind, date(self.start.year + month // 12, month % 12 + 1, 1))

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def __str__(self) -> str:
        return self.code


def _month_names() -> list[str]:
    return [
        _("January"),
        _("February"),
        _("March"),
        _("April"),
        _("May"),
        _("June"),
        _("July"),
        _("August"),
        _("September"),
        _("October"),
        _("November"),
        _("December"),
    ]


def parse_period(value: str | None, *, field: str = "period") -> Period:
    """``2026-03`` or ``2026-Q1`` as a Period; a field error for anything else."""
    text = (value or "").strip()
    m = _MONTH.match(text)
    if m and 1 <= int(m[2]) <= 12 and 2000 <= int(m[1]) <= 2100:
        return Period(PeriodKind.MONTH, date(int(m[1]), int(m[2]), 1))
    m = _QUARTER.match(text)
    if m and 2000 <= int(m[1]) <= 2100:
        return Period(PeriodKind.QUARTER, date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
    raise ValidationFailed.on(
        field, _("Give a month such as 2026-03 or a quarter such as 2026-Q1.")
    )


def current_period(kind: str, time_zone: str, *, now: datetime | None = None) -> Period:
    """The month or quarter that is running now in ``time_zone``."""
    today = timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(time_zone)).date()
    month = today.month if kind == PeriodKind.MONTH else (today.month - 1) // 3 * 3 + 1
    return Period(kind, date(today.year, month, 1))


def chosen_period(value: str | None, time_zone: str, kind: str = PeriodKind.QUARTER) -> Period:
    """The period a page or endpoint was asked for, or the running one of ``kind``."""
    if value and value.strip():
        return parse_period(value)
    return current_period(kind, time_zone)


def period_choices(period: Period, time_zone: str) -> list[tuple[str, list[Period]]]:
    """Recent quarters and months (and the chosen one), for a period picker."""
    quarters, months = [], []
    p = current_period(PeriodKind.QUARTER, time_zone).next()
    for _i in range(6):
        quarters.append(p)
        p = p.previous()
    m = current_period(PeriodKind.MONTH, time_zone)
    for _i in range(12):
        months.append(m)
        m = m.previous()
    if period not in quarters and period not in months:
        (quarters if period.kind == PeriodKind.QUARTER else months).insert(0, period)
    return [(str(PeriodKind.QUARTER.label), quarters), (str(PeriodKind.MONTH.label), months)]
