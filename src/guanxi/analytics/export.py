"""Reports as CSV files that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be
read as a formula by Excel, WPS or LibreOffice — a name such as ``=HYPERLINK(...)`` typed
into a deal could run when someone opens the export. Such cells get a leading apostrophe.
Exporting needs the role's "export" right on reports (``core.access``).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from guanxi.analytics.reports import Report
from guanxi.core import access
from guanxi.core.spreadsheet import neutralise


def safe_cell(value: Any) -> str:
    """A report cell as CSV text: numbers as they are (-1.5 is a number), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(value)
    return neutralise(str(value))


def report_csv(actor, report: Report) -> str:
    """The report's table as CSV text (with a BOM, so Excel reads Chinese as UTF-8)."""
    access.require_right(actor, "report", "export")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(c.label) for c in report.columns])
    for row in report.rows:
        writer.writerow([safe_cell(row.get(c.key)) for c in report.columns])
    return out.getvalue()


def filename(report: Report) -> str:
    return f"{report.name}-{report.period.code}.csv"
