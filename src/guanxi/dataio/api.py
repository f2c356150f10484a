"""REST endpoints for imports and exports."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from guanxi.core.api import ErrorOut, Input
from guanxi.dataio import selectors, services
from guanxi.dataio.files import error_file_response, export_response

router = Router(tags=["import and export"])

ObjectType = Literal["account", "contact", "lead", "opportunity", "activity", "product"]


class ImportOut(Schema):
    id: int
    object: str
    file_name: str
    file_format: str
    encoding: str
    header: list[str]
    mapping: list[str]
    mode: str
    key: str
    status: str
    rows_total: int
    rows_done: int
    counts: dict[str, Any]
    check: dict[str, Any] = Field(description="The dry run's counts and first issues")
    message: str


def dump_import(job) -> dict:
    return {
        "id": job.pk,
        "object": job.object_type,
        "file_name": job.file_name,
        "file_format": job.file_format,
        "encoding": job.encoding,
        "header": job.header,
        "mapping": job.mapping,
        "mode": job.mode,
        "key": job.key,
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "counts": job.counts,
        "check": job.check_result,
        "message": job.message,
    }


class MappingIn(Input):
    mapping: list[str] = Field(..., description='A field name per column; "" skips it')
    mode: Literal["create", "update", "upsert"] | None = None
    key: str | None = Field(None, description="Field existing records are found by")
    template_name: str = Field("", max_length=100, description="Save as a mapping template")


@router.post(
    "/imports",
    response={201: ImportOut, 403: ErrorOut, 422: ErrorOut},
    summary="Upload a file to import",
    operation_id="import_upload",
)
def import_upload(
    request,
    file: File[UploadedFile],
    object: Form[ObjectType],
    mode: Form[Literal["create", "update", "upsert"]] = "create",
    key: Form[str] = "",
    encoding: Form[str] = "",
    owner: Form[int | None] = None,
    template: Form[int | None] = None,
):
    """A CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or XLSX file. The answer proposes a
    mapping of columns to fields from their titles (English or Chinese); nothing is
    imported until `start`. The same file uploaded again while its import is unfinished
    gives that import back."""
    job = services.import_upload(
        actor=request.user,
        object_type=object,
        file_name=file.name or "import",
        chunks=file.chunks(),
        encoding=encoding,
        mode=mode,
        key=key,
        owner=owner,
        template=template,
    )
    return 201, dump_import(job)


@router.get(
    "/imports", response=list[ImportOut], summary="Your imports", operation_id="import_list"
)
def import_list(request):
    """The latest 50 imports you ran (all of the organisation's for administrators)."""
    return [dump_import(j) for j in selectors.import_list(request.user)]


@router.get(
    "/imports/{id}",
    response={200: ImportOut, 404: ErrorOut},
    summary="An import and its progress",
    operation_id="import_get",
)
def import_get(request, id: int):
    return dump_import(selectors.import_get(request.user, id))


@router.put(
    "/imports/{id}/mapping",
    response={200: ImportOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Map columns to fields",
    operation_id="import_map",
)
def import_map(request, id: int, payload: MappingIn):
    job = selectors.import_get(request.user, id)
    job = services.import_map(
        actor=request.user,
        job=job,
        mapping=payload.mapping,
        mode=payload.mode,
        key=payload.key,
        template_name=payload.template_name,
    )
    return dump_import(job)


def _action(name: str, summary: str, call, doc: str):
    def endpoint(request, id: int):
        job = selectors.import_get(request.user, id)
        return 202, dump_import(call(actor=request.user, job=job))

    endpoint.__doc__ = doc
    router.post(
        f"/imports/{{id}}/{name}",
        response={202: ImportOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
        summary=summary,
        operation_id=f"import_{name}",
    )(endpoint)


_action(
    "check",
    "Dry run",
    services.import_check,
    "Check every row as the import would, writing nothing: `check` holds what would be "
    "created, updated, skipped and why.",
)
_action(
    "start",
    "Run the import",
    services.import_start,
    "Queue the import; follow `rows_done` and `counts`.",
)
_action(
    "resume",
    "Resume a stopped import",
    services.import_resume,
    "Carry on after the last written row (a failed import, or one whose worker stopped).",
)
_action(
    "undo",
    "Undo an import",
    services.import_undo,
    "Delete the records the import created and restore those it updated.",
)


@router.get(
    "/imports/{id}/errors",
    response={200: None, 404: ErrorOut},
    summary="The rows that were not imported, as CSV",
    operation_id="import_errors",
)
def import_errors(request, id: int):
    """The refused and skipped rows with their cells, plus the row number and the reason."""
    return error_file_response(request.user, selectors.import_get(request.user, id))


class ExportIn(Input):
    object: ObjectType
    format: Literal["csv", "xlsx"] = "csv"
    columns: list[str] | None = Field(None, description="Field names; default: all you may see")
    filters: dict[str, str] = Field(default_factory=dict, description="The list's filters")
    q: str = Field("", max_length=200, description="The list's search")


class ExportOut(Schema):
    id: int
    object: str
    format: str
    columns: list[str]
    filters: dict[str, Any]
    q: str
    status: str
    rows: int
    message: str


def dump_export(job) -> dict:
    return {
        "id": job.pk,
        "object": job.object_type,
        "format": job.file_format,
        "columns": job.columns,
        "filters": job.filters,
        "q": job.query,
        "status": job.status,
        "rows": job.rows,
        "message": job.message,
    }


@router.post(
    "/exports",
    response={202: ExportOut, 403: ErrorOut, 422: ErrorOut},
    summary="Export a list",
    operation_id="export_start",
)
def export_start(request, payload: ExportIn):
    """Queue an export of the records you may see (with the list's filters and search),
    with the fields your role does not mask. Needs the "export" right on the object type;
    every export is in the audit log. Cells that a spreadsheet would run as a formula are
    written with a leading apostrophe."""
    job = services.export_start(
        actor=request.user,
        object_type=payload.object,
        columns=payload.columns,
        filters=payload.filters,
        query=payload.q,
        file_format=payload.format,
    )
    return 202, dump_export(job)


@router.get(
    "/exports/{id}",
    response={200: ExportOut, 404: ErrorOut},
    summary="An export and its state",
    operation_id="export_get",
)
def export_get(request, id: int):
    return dump_export(selectors.export_get(request.user, id))


@router.get(
    "/exports/{id}/file",
    response={200: None, 404: ErrorOut},
    summary="Download an export",
    operation_id="export_file",
)
def export_file(request, id: int):
    return export_response(selectors.export_get(request.user, id))
