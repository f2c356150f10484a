"""What a report is (columns, rows, a chart, a note) and the helpers reports share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from guanxi.core.models import User
from guanxi.sales.periods import Period

ZERO = Decimal("0.00")
# Bars a chart draws at most (the largest rows); the table and the CSV have every row.
CHART_BARS = 20


@dataclass
class Column:
    key: str
    label: Any
    kind: str = "text"  # text, int, money, percent, days, figure, quantity


@dataclass
class Report:
    name: str
    title: Any
    period: Period
    columns: list[Column]
    rows: list[dict[str, Any]]
    currency: str
    # What the chart draws: kind ("bar", "funnel"), the category labels and series
    # ({"name", "values", "kind"}); the page hands it to ECharts as JSON.
    chart: dict[str, Any] = field(default_factory=dict)
    note: Any = ""
    # Rows the page shows at most (the CSV and the API have them all); a last row that
    # sums the others (``total``) is always shown.
    page_limit: int | None = None
    total: bool = False

    @property
    def chart_id(self) -> str:
        return f"chart-{self.name}"

    @property
    def page_rows(self) -> list[dict[str, Any]]:
        body = self.rows[:-1] if self.total else self.rows
        if self.page_limit is None or len(body) <= self.page_limit:
            return self.rows
        return body[: self.page_limit] + (self.rows[-1:] if self.total else [])

    @property
    def hidden_rows(self) -> int:
        """Rows left off the page (they are in the CSV)."""
        return len(self.rows) - len(self.page_rows)


@dataclass
class ReportSpec:
    name: str
    title: Promise
    description: Promise
    build: Callable[..., Report]


def percent(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def user_names(ids: set[int]) -> dict[int, str]:
    users = User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    return {u.pk: u.display_name for u in users}


def bar_chart(rows: list[dict[str, Any]], label: str, series: list[tuple[str, str]]) -> dict:
    """A bar chart of the first CHART_BARS rows: ``series`` are (title, row key); several
    series stack."""
    shown = rows[:CHART_BARS]
    return {
        "kind": "bar",
        "labels": [str(r[label]) for r in shown],
        "series": [
            {
                "name": str(title),
                "values": [str(r[key] if r[key] is not None else 0) for r in shown],
                **({"stack": "s"} if len(series) > 1 else {}),
            }
            for title, key in series
        ],
    }


def sales_note(currency: str, period: Period) -> str:
    return _(
        "Booked orders, and won deals that have no confirmed order, in %(currency)s, by the "
        "day they were confirmed or won in %(period)s."
    ) % {"currency": currency, "period": period.label}
