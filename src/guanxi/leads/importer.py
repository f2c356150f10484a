"""A CSV import of leads from the leads page, through guanxi's import engine.

The engine (registered in ``core.registry.file_import`` by the import app) reads the file —
UTF-8 with or without a BOM, or GB18030/GBK as Chinese spreadsheet programs save it —,
maps English or Chinese headers (姓名, 手机, 公司 …) to fields, and sends each row through
``services.lead_capture`` like every other lead: a bad row is reported with its line number
and the field at fault, and never stops the good rows. The row as it came is kept on the
lead. The import is listed on the Import page, with its error file and undo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guanxi.core import registry


@dataclass
class ImportResult:
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    job_id: int | None = None


def import_leads(*, actor, raw: bytes, owner: Any = None) -> ImportResult:
    """Create a lead for each row; report each bad row (line, field, message)."""
    job = registry.file_import["run"](
        actor=actor, object_type="lead", raw=raw, file_name="leads.csv", owner=owner
    )
    result = ImportResult(created=job.counts.get("created", 0), job_id=job.pk)
    for title, name in zip(job.header, job.mapping, strict=False):
        if name:
            result.columns[title] = name
        elif title:
            result.ignored.append(title)
    for issue in job.issues.filter(dry_run=False).order_by("row", "id"):
        result.errors.append({"line": issue.row, "field": issue.field, "message": issue.message})
    return result
