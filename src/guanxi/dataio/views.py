"""Pages for importing a file (upload, map, check, import, undo) and exporting a list."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core.errors import DomainError, PermissionDenied, ValidationFailed
from guanxi.dataio import export as exporting
from guanxi.dataio import selectors, services
from guanxi.dataio.files import error_file_response, export_response
from guanxi.dataio.forms import ExportForm, MappingForm, UploadForm
from guanxi.dataio.importer.registry import adapter_for
from guanxi.dataio.models import ExportStatus, ImportStatus
from guanxi.web.ui import apply_errors, error_messages, page

ACTIVE = (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING)
LIST_URLS = {
    "account": "customers:account_list",
    "contact": "customers:contact_list",
    "opportunity": "sales:deal_list",
    "activity": "activities:activity_list",
    "lead": "leads:lead_list",
    "product": "sales:product_list",
}


@page
def import_list(request):
    actor = request.user
    templates = [t for name in LIST_URLS for t in selectors.template_list(actor, name)]
    form = UploadForm(request.POST or None, request.FILES or None, actor=actor, templates=templates)
    if not form.fields["object_type"].choices:
        raise PermissionDenied()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                actor=actor,
                object_type=form.cleaned_data["object_type"],
                file_name=upload.name,
                chunks=upload.chunks(),
                encoding=form.cleaned_data["encoding"],
                mode=form.cleaned_data["mode"],
                key=form.cleaned_data["key"],
                template=form.cleaned_data["template"] or None,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return redirect("dataio:import_detail", pk=job.pk)
    return render(
        request,
        "dataio/import_list.html",
        {
            "form": form,
            "jobs": selectors.import_list(actor),
            "object_labels": access.OBJECT_LABELS,
        },
        status=400 if form.errors else 200,
    )


def _progress(job) -> dict:
    """Rows done, rate and time left of a running job (or of its dry run)."""
    checking = job.status == ImportStatus.CHECKING
    done = job.check_result.get("rows_done", 0) if checking else job.rows_done
    done = max(done - 1, 0)  # row numbers count the header
    total = max(job.rows_total, done, 1)
    started = job.started_at if not checking else None
    rate = eta = None
    if started and job.heartbeat_at and done:
        seconds = max((job.heartbeat_at - started).total_seconds(), 0.001)
        rate = round(done / seconds)
        eta = round((total - done) / rate) if rate else None
    return {
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)),
        "rate": rate,
        "eta": eta,
        "active": job.status in ACTIVE,
        "stalled": services.is_stalled(job),
    }


def _context(actor, job, form=None) -> dict:
    adapter = adapter_for(job.object_type)
    labels = dict(adapter.field_labels())
    return {
        "job": job,
        "form": form,
        "labels": labels,
        "progress": _progress(job),
        "issues": selectors.import_issues(actor, job, dry_run=job.status == ImportStatus.CHECKED),
        "list_url": reverse(LIST_URLS[job.object_type]),
        "now": timezone.now(),
    }


@page
def import_detail(request, pk: int):
    """Map the columns, check, import; then the outcome, the error file and undo."""
    actor = request.user
    job = selectors.import_get(actor, pk)
    form = None
    if job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        form = MappingForm(request.POST or None, job=job, adapter=adapter_for(job.object_type))
        if request.method == "POST" and form.is_valid():
            try:
                job = services.import_map(
                    actor=actor,
                    job=job,
                    mapping=form.mapping(),
                    template_name=form.cleaned_data["template_name"],
                )
                if request.POST.get("then") == "start":
                    services.import_start(actor=actor, job=job)
                else:
                    services.import_check(actor=actor, job=job)
            except ValidationFailed as exc:
                form.add_error(None, " ".join(error_messages(exc)))
            else:
                return redirect("dataio:import_detail", pk=job.pk)
    return render(
        request,
        "dataio/import_detail.html",
        _context(actor, job, form),
        status=400 if form is not None and form.errors else 200,
    )


@page
def import_progress(request, pk: int):
    """The progress card, polled by htmx while the job runs."""
    job = selectors.import_get(request.user, pk)
    response = render(request, "dataio/_import_progress.html", _context(request.user, job))
    if job.status not in ACTIVE:
        response["HX-Refresh"] = "true"  # show the outcome
    return response


@page
@require_POST
def import_action(request, pk: int, action: str):
    actor = request.user
    job = selectors.import_get(actor, pk)
    calls = {
        "start": (services.import_start, _("The import has started.")),
        "resume": (services.import_resume, _("The import carries on.")),
        "undo": (services.import_undo, _("The import was undone.")),
        "delete": (services.import_delete, _("The import was removed.")),
    }
    if action not in calls:
        raise Http404()
    call, message = calls[action]
    try:
        call(actor=actor, job=job)
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, message)
    if action == "delete":
        return redirect("dataio:import_list")
    return redirect("dataio:import_detail", pk=job.pk)


@page
def import_errors(request, pk: int):
    return error_file_response(request.user, selectors.import_get(request.user, pk))


# --- Export ---------------------------------------------------------------------------------


@page
def export_new(request):
    """Choose the columns and the format for the list the user came from (its filters kept)."""
    actor = request.user
    object_type = request.GET.get("object", "")
    spec = exporting.exportable(object_type)
    access.require_right(actor, object_type, "export")
    filters = {k: v for k, v in request.GET.items() if k in spec.filters and v}
    query = request.GET.get("q", "").strip()[:200] if spec.searchable else ""
    columns = exporting.allowed_columns(actor, object_type)
    form = ExportForm(request.POST or None, columns=columns)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.export_start(
                actor=actor,
                object_type=object_type,
                columns=form.cleaned_data["columns"],
                filters=filters,
                query=query,
                file_format=form.cleaned_data["file_format"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return redirect("dataio:export_detail", pk=job.pk)
    back = reverse(LIST_URLS[object_type]) + ("?" + request.GET.urlencode())
    return render(
        request,
        "dataio/export_new.html",
        {
            "form": form,
            "object_label": access.OBJECT_LABELS[object_type],
            "filters": filters,
            "query": query,
            "back": back,
        },
        status=400 if form.errors else 200,
    )


@page
def export_detail(request, pk: int):
    job = selectors.export_get(request.user, pk)
    active = job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
    template = "dataio/_export_state.html" if request.GET.get("poll") else "dataio/export.html"
    response = render(request, template, {"job": job, "active": active})
    if request.GET.get("poll") and not active:
        response["HX-Refresh"] = "true"
    return response


@page
def export_file(request, pk: int):
    return export_response(selectors.export_get(request.user, pk))
