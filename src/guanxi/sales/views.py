"""Pages for deals: the list, the record page, the form and the kanban board."""

from __future__ import annotations

from functools import partial

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core.errors import DomainError, NotFound, ValidationFailed, VersionConflict
from guanxi.sales import contracts, orders, quotes, selectors, services
from guanxi.sales.forms import DealForm
from guanxi.sales.models import OpportunityStatus
from guanxi.sales.templatetags import deal_rows
from guanxi.web import crud
from guanxi.web.templatetags.guanxi import money
from guanxi.web.ui import error_messages, page


def _org_currency(actor) -> str:
    return actor.organisation.currency


@page
def deal_list(request):
    actor = request.user
    access.require_right(actor, "opportunity", "read")
    pipelines = selectors.stage_choices(actor)
    return crud.list_page(
        request,
        selector=partial(selectors.opportunity_list, fields=deal_rows.ROW_FIELDS),
        template="sales/deal_list.html",
        rows_template="sales/_deal_rows.html",
        sorts=selectors.OPPORTUNITY_SORTS,
        filter_names=("owner", "pipeline", "stage", "status"),
        labels={
            "owner": _("Owner"),
            "pipeline": _("Pipeline"),
            "stage": _("Stage"),
            "status": _("Status"),
            "sort": _("Sort"),
            "cursor": _("Page"),
        },
        context={
            "pipelines": [p for p, _s in pipelines],
            "stages": [
                (str(s.pk), f"{p.name} · {s.name}" if len(pipelines) > 1 else s.name)
                for p, stages in pipelines
                for s in stages
            ],
            "statuses": OpportunityStatus.choices,
        },
    )


@page
def deal_detail(request, pk: int):
    actor = request.user
    deal = selectors.opportunity_get(actor, pk)
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "stages": selectors.stage_list(actor, deal.pipeline),
            "quotes": quotes.deal_quotes(actor, deal),
            "orders": orders.deal_orders(actor, deal),
            "contracts": contracts.related_contracts(actor, deal=deal),
        },
    )


@page
def deal_create(request):
    actor = request.user
    access.require_right(actor, "opportunity", "create")
    form = DealForm(
        request.POST or None,
        actor=actor,
        initial={
            "account": request.GET.get("account", ""),
            "currency": _org_currency(actor),
        },
    )
    response = crud.save(
        request,
        form,
        lambda f: services.opportunity_create(
            actor=actor, data=f.service_data(), owner=f.cleaned_data.get("owner")
        ),
        success=lambda d: reverse("sales:deal_detail", args=[d.pk]),
        message=_("The deal was created."),
    )
    return response or render(request, "sales/deal_form.html", {"form": form})


@page
def deal_edit(request, pk: int):
    actor = request.user
    deal = selectors.opportunity_get(actor, pk)
    access.require_right(actor, "opportunity", "update")
    form = DealForm(request.POST or None, actor=actor, instance=deal)
    response = crud.save(
        request,
        form,
        lambda f: services.opportunity_update(
            actor=actor, opportunity=deal, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=lambda d: reverse("sales:deal_detail", args=[d.pk]),
        message=_("The deal was saved."),
    )
    return response or render(request, "sales/deal_form.html", {"form": form, "deal": deal})


@page
def deal_assign(request, pk: int):
    deal = selectors.opportunity_get(request.user, pk)
    access.require_right(request.user, "opportunity", "update")
    return crud.assign(
        request,
        deal,
        service=services.opportunity_assign,
        kwarg="opportunity",
        template_context={},
        done_url=reverse("sales:deal_detail", args=[deal.pk]),
    )


@page
def deal_delete(request, pk: int):
    deal = selectors.opportunity_get(request.user, pk)
    access.require_right(request.user, "opportunity", "delete")
    return crud.delete(
        request,
        deal,
        service=services.opportunity_delete,
        kwarg="opportunity",
        cancel_url=reverse("sales:deal_detail", args=[deal.pk]),
        done_url=reverse("sales:deal_list"),
    )


# --- Kanban -------------------------------------------------------------------------------


@page
def board(request):
    actor = request.user
    access.require_right(actor, "opportunity", "read")
    pipelines = selectors.pipeline_list(actor)
    wanted = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == wanted), None)
    if pipeline is None:
        pipeline = next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
    owner = request.GET.get("owner", "")
    q = request.GET.get("q", "").strip()[:100]
    columns, errors = [], []
    if pipeline is not None:
        try:
            columns = selectors.kanban(actor, pipeline, q=q or None, owner=owner or None)
        except ValidationFailed as exc:
            errors = error_messages(exc, {"owner": _("Owner")})
    return render(
        request,
        "sales/board.html",
        {
            "pipelines": pipelines,
            "pipeline": pipeline,
            "columns": columns,
            "list_errors": errors,
            "owner": owner,
            "q": q,
            "owner_options": crud.owner_filter_options(actor),
            "currency": _org_currency(actor),
            "cards_per_stage": selectors.KANBAN_CARDS_PER_STAGE,
        },
        status=400 if errors else 200,
    )


@require_POST
@page
def deal_move(request, pk: int):
    """The board's drag and drop: move a deal to a stage; JSON for app.js."""
    actor = request.user
    lost_reason = request.POST.get("lost_reason")
    version = request.POST.get("version", "")
    try:
        deal = selectors.opportunity_get(actor, pk)
        deal = services.opportunity_move(
            actor=actor,
            opportunity=deal,
            stage=request.POST.get("stage", ""),
            version=int(version) if version.isdigit() else None,
            lost_reason=lost_reason.strip() if lost_reason is not None else None,
        )
    except VersionConflict as exc:
        return JsonResponse({"ok": False, "message": str(exc.message)}, status=409)
    except ValidationFailed as exc:
        if "lost_reason" in exc.fields:
            return JsonResponse(
                {"ok": False, "need": "lost_reason", "message": exc.fields["lost_reason"][0]},
                status=422,
            )
        return JsonResponse({"ok": False, "message": " ".join(error_messages(exc))}, status=422)
    except NotFound:
        return JsonResponse({"ok": False, "message": _("This deal no longer exists.")}, status=404)
    except DomainError as exc:
        return JsonResponse({"ok": False, "message": str(exc.message)}, status=exc.status)
    owner = request.POST.get("owner", "")
    totals = selectors.kanban_totals(
        actor, deal.pipeline, owner=owner if owner == "me" or owner.isdigit() else None
    )
    currency = _org_currency(actor)
    messages = {
        OpportunityStatus.WON: _("“%(name)s” was won."),
        OpportunityStatus.LOST: _("“%(name)s” was marked as lost."),
    }
    return JsonResponse(
        {
            "ok": True,
            "version": deal.version,
            "status": deal.status,
            "message": messages.get(deal.status, _("“%(name)s” moved to %(stage)s."))
            % {"name": deal.name, "stage": deal.stage.name},
            "columns": {
                str(stage.pk): {
                    "count": totals.get(stage.pk, {}).get("count", 0),
                    "total": money(totals.get(stage.pk, {}).get("total", 0), currency),
                }
                for stage in selectors.stage_list(actor, deal.pipeline)
            },
        }
    )
