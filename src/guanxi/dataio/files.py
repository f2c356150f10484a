"""Files people download: an import's error file and an export's name."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound
from guanxi.core.spreadsheet import neutralise
from guanxi.dataio import selectors
from guanxi.dataio.models import ExportStatus


def error_file_lines(actor, job) -> Iterator[str]:
    """CSV text: the file's own header and cells of each row not imported, then its row
    number, the field and the reason — fix the cells and import this file again."""
    buffer = io.StringIO()
    out = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    out.writerow([*job.header, _("Row"), _("Field"), _("Problem")])
    yield "\ufeff" + flush()
    issues = selectors.import_issues(actor, job, limit=None).iterator(chunk_size=2000)
    for n, issue in enumerate(issues, start=1):
        cells = list(issue.cells) + [""] * max(len(job.header) - len(issue.cells), 0)
        out.writerow([neutralise(c) for c in cells] + [issue.row, issue.field, issue.message])
        if n % 500 == 0:
            yield flush()
    yield flush()


def error_file_response(actor, job) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        error_file_lines(actor, job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


def export_response(job) -> FileResponse:
    """The finished export's file; NotFound while it is being written."""
    if job.status != ExportStatus.DONE or not job.file_path:
        raise NotFound()
    stamp = job.created_at.strftime("%Y%m%d-%H%M")
    return FileResponse(
        open(job.file_path, "rb"),
        as_attachment=True,
        filename=f"{job.object_type}-{stamp}.{job.file_format}",
    )
