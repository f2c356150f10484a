"""Pages for duplicates: the groups found, the search, the merge and its undo."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core import access
from guanxi.core.errors import ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.core.normalize import format_phone
from guanxi.dataio import merge as merging
from guanxi.dataio.dedupe import selectors, services
from guanxi.dataio.dedupe.engine import DEFAULT_THRESHOLD
from guanxi.dataio.dedupe.kinds import KINDS, kind_of
from guanxi.dataio.models import DedupeObject, DedupeRun, DuplicateCluster
from guanxi.web.timeline import DETAIL_URLS
from guanxi.web.ui import error_messages, page

TYPES = [(t, label) for t, label in DedupeObject.choices]
ACTIVE_RUN = (DedupeRun.Status.QUEUED, DedupeRun.Status.RUNNING)
PHONE_FIELDS = ("phone", "mobile")


def _type(request) -> str:
    value = request.GET.get("type") or request.POST.get("type") or "contact"
    return value if value in KINDS else "contact"


def _number(value, default: int, low: int = 0, high: int = 100) -> int:
    number = parse_id(value)
    return default if number is None else max(low, min(high, number))


@page
def duplicates(request):
    """Groups of duplicates of one type, most confident first, and the search's controls."""
    actor = request.user
    object_type = _type(request)
    access.require_right(actor, object_type, "read")
    min_confidence = _number(request.GET.get("min"), 0)
    status = request.GET.get("status") or DuplicateCluster.Status.OPEN
    if status not in DuplicateCluster.Status.values:
        status = DuplicateCluster.Status.OPEN
    page_ = selectors.cluster_list(
        actor,
        object_type=object_type,
        min_confidence=min_confidence,
        status=status,
        cursor=request.GET.get("cursor") or None,
    )
    kind = kind_of(object_type)
    for cluster in page_.items:
        cluster.rows = [
            (r.pk, [_shown(r, kind.model._meta.get_field(n)) for n in kind.summary])
            for r in cluster.records
        ]
    run = selectors.latest_run(actor, object_type)
    polled = request.GET.get("part") == "run"
    template = "dataio/_run.html" if polled else "dataio/duplicates.html"
    response = render(
        request,
        template,
        {
            "types": TYPES,
            "object_type": object_type,
            "kind": kind,
            "labels": _labels(kind),
            "page": page_,
            "run": run,
            "min": min_confidence,
            "status": status,
            "statuses": DuplicateCluster.Status.choices,
            "threshold": run.threshold if run else DEFAULT_THRESHOLD,
            "can_run": access.has_right(actor, object_type, "delete"),
            "detail_url": DETAIL_URLS[object_type],
        },
    )
    if polled and run is not None and run.status not in ACTIVE_RUN:
        response["HX-Refresh"] = "true"  # the search is over: show the groups it found
    return response


def _labels(kind) -> dict[str, str]:
    from django.utils.text import capfirst

    labels = {}
    for name in (*kind.summary, *kind.fields):
        try:
            labels[name] = capfirst(kind.model._meta.get_field(name).verbose_name)
        except Exception:
            labels[name] = name
    return labels


@page
def run_start(request):
    if request.method != "POST":
        return redirect("dataio:duplicates")
    object_type = _type(request)
    try:
        services.dedupe_start(
            actor=request.user, object_type=object_type, threshold=request.POST.get("threshold")
        )
    except ValidationFailed as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, _("The search for duplicates has started."))
    return redirect(reverse("dataio:duplicates") + f"?type={object_type}")


@page
def dismiss(request, pk: int):
    cluster = selectors.cluster_get(request.user, pk)
    if request.method == "POST":
        services.cluster_dismiss(actor=request.user, cluster=cluster)
        messages.success(request, _("The group was marked as not duplicates."))
    return redirect(reverse("dataio:duplicates") + f"?type={cluster.object_type}")


@page
def merge(request):
    """Two records side by side: which one stays, and whose value to keep for each field."""
    actor = request.user
    data = request.POST if request.method == "POST" else request.GET
    object_type = _type(request)
    kind = kind_of(object_type)
    base = kind.model._default_manager.select_related("owner")
    survivor = access.get_visible(actor, base, object_type, data.get("survivor"))
    merged = access.get_visible(actor, base, object_type, data.get("merged"))
    cluster_id = parse_id(data.get("cluster"))
    cluster = selectors.cluster_get(actor, cluster_id) if cluster_id else None
    errors: list[str] = []
    if request.method == "POST":
        values = {f: "merged" for f in kind.fields if data.get(f"field_{f}") == "merged"}
        try:
            done = merging.merge_records(
                actor=actor,
                object_type=object_type,
                survivor=survivor,
                merged=merged,
                values=values,
                cluster=cluster,
            )
        except ValidationFailed as exc:
            errors = error_messages(exc)
        else:
            messages.success(
                request,
                _("%(merged)s was merged into this record. Undo it from the timeline.")
                % {"merged": done.merged_repr},
            )
            return redirect(DETAIL_URLS[object_type], survivor.pk)
    rows = []
    for name in kind.fields:
        field = kind.model._meta.get_field(name)
        left, right = _shown(survivor, field), _shown(merged, field)
        rows.append({"name": name, "label": _labels(kind)[name], "left": left, "right": right})
    return render(
        request,
        "dataio/merge.html",
        {
            "object_type": object_type,
            "survivor": survivor,
            "merged": merged,
            "cluster": cluster,
            "rows": rows,
            "counts": merging.related_counts(object_type, merged.pk),
            "errors": errors,
            "detail_url": DETAIL_URLS[object_type],
        },
        status=400 if errors else 200,
    )


def _shown(obj, field) -> str:
    if field.name == "owner":
        return obj.owner.display_name if obj.owner_id else ""
    if field.is_relation:
        return str(getattr(obj, field.name) or "")
    if field.choices:
        return str(dict(field.flatchoices).get(getattr(obj, field.attname), ""))
    value = getattr(obj, field.attname)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field.name in PHONE_FIELDS:
        return format_phone(value)  # as the record pages show it, not the stored E.164
    return "" if value is None else str(value)


@page
def undo(request, pk: int):
    done = merging.merge_get(request.user, pk)
    if request.method != "POST":
        return redirect(DETAIL_URLS[done.object_type], done.survivor_id)
    restored = merging.merge_undo(actor=request.user, merge=done)
    messages.success(request, _("The merge was undone: %(name)s is back.") % {"name": restored})
    return redirect(DETAIL_URLS[done.object_type], restored.pk)
