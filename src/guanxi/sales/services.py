"""Writes for pipelines and opportunities: create, edit, move through stages, win or lose."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Organisation
from guanxi.core.normalize import clean_text
from guanxi.core.records import (
    apply,
    assign_owner,
    choose_owner,
    lock,
    reject_unknown,
    resolve,
    stamp,
    validate,
)
from guanxi.core.search import tokens
from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Opportunity, OpportunityStatus, Pipeline, Stage, StageKind

OPPORTUNITY_FIELDS = (
    "name",
    "account",
    "contact",
    "amount",
    "currency",
    "pipeline",
    "stage",
    "expected_close",
    "competitor",
    "lost_reason",
    "description",
    "forecast_category",
)


def pipeline_create_default(org: Organisation) -> Pipeline:
    """The standard pipeline every organisation starts with, named in its language."""
    with translation.override(org.language):
        pipeline = Pipeline.objects.create(
            organisation=org, name=_("Standard sales"), is_default=True
        )
        stages = [
            (_("Qualification"), 10, StageKind.OPEN),
            (_("Needs analysis"), 25, StageKind.OPEN),
            (_("Proposal"), 50, StageKind.OPEN),
            (_("Negotiation"), 75, StageKind.OPEN),
            (_("Won"), 100, StageKind.WON),
            (_("Lost"), 0, StageKind.LOST),
        ]
        Stage.objects.bulk_create(
            Stage(
                organisation=org,
                pipeline=pipeline,
                name=name,
                position=i,
                probability=probability,
                kind=kind,
            )
            for i, (name, probability, kind) in enumerate(stages)
        )
    return pipeline


def opportunity_tokens(opp: Opportunity) -> str:
    return tokens(opp.name, opp.competitor)


def _resolve(actor, data: dict[str, Any]) -> None:
    if "account" in data:
        data["account"] = resolve(
            actor, Account.objects.all(), "account", data["account"], "account"
        )
    if "contact" in data:
        data["contact"] = resolve(
            actor, Contact.objects.all(), "contact", data["contact"], "contact"
        )
    if "pipeline" in data:
        data["pipeline"] = resolve(
            actor, Pipeline.objects.all(), "pipeline", data["pipeline"], "pipeline"
        )
    if "stage" in data:
        data["stage"] = resolve(actor, Stage.objects.all(), "pipeline", data["stage"], "stage")


def _apply_stage_rules(opp: Opportunity, changes: dict) -> None:
    """Keep pipeline, stage and status consistent; closing a deal as lost needs a reason."""
    errors: dict[str, list[str]] = {}
    if opp.pipeline_id is None:
        errors["pipeline"] = [_("This field cannot be blank.")]
    if opp.stage_id is None:
        errors["stage"] = [_("This field cannot be blank.")]
    if not errors and opp.stage.pipeline_id != opp.pipeline_id:
        errors["stage"] = [_("This stage belongs to another pipeline.")]
    if opp.account_id is None:
        errors["account"] = [_("This field cannot be blank.")]
    elif opp.contact_id and opp.contact.account_id not in (None, opp.account_id):
        errors["contact"] = [_("This contact works for another account.")]
    if errors:
        raise ValidationFailed(fields=errors)
    status = {
        StageKind.OPEN: OpportunityStatus.OPEN,
        StageKind.WON: OpportunityStatus.WON,
        StageKind.LOST: OpportunityStatus.LOST,
    }[opp.stage.kind]
    if status == OpportunityStatus.LOST and not opp.lost_reason.strip():
        raise ValidationFailed.on("lost_reason", _("Say why the deal was lost."))
    if status != opp.status:
        changes["status"] = (opp.status, status)
        opp.status = status
        opp.closed_at = None if status == OpportunityStatus.OPEN else timezone.now()


def _prepare(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, OPPORTUNITY_FIELDS)
    for name in ("name", "competitor", "lost_reason"):
        if name in data:
            data[name] = clean_text(data[name])
    return data


def _default_pipeline(actor) -> Pipeline | None:
    return (
        Pipeline.objects.filter(organisation_id=actor.organisation_id)
        .order_by("-is_default", "position", "id")
        .first()
    )


@transaction.atomic
def opportunity_create(*, actor, data: dict[str, Any], owner: Any = None) -> Opportunity:
    """A new deal; without a pipeline or stage it starts at the default pipeline's first."""
    access.require_right(actor, "opportunity", "create")
    data = _prepare(data)
    _resolve(actor, data)
    if data.get("pipeline") is None and data.get("stage") is None:
        data["pipeline"] = _default_pipeline(actor)
    if data.get("stage") is None and data.get("pipeline") is not None:
        data["stage"] = data["pipeline"].stages.order_by("position", "id").first()
    if data.get("pipeline") is None and data.get("stage") is not None:
        data["pipeline"] = data["stage"].pipeline
    opp = Opportunity(owner=choose_owner(actor, owner))
    changes = apply(opp, data)
    stamp(opp, actor, creating=True)
    validate(opp)
    _apply_stage_rules(opp, changes)
    opp.search_tokens = opportunity_tokens(opp)
    opp.save()
    events.record(
        actor,
        "opportunity.created",
        opp,
        account_id=opp.account_id,
        data={"amount": opp.amount, "currency": opp.currency, "stage": opp.stage.name},
    )
    return opp


@transaction.atomic
def opportunity_update(
    *, actor, opportunity: Opportunity, data: dict[str, Any], version: int | None = None
) -> Opportunity:
    """Edit a deal. A stage change moves it (and wins or loses it at a closing stage)."""
    access.require_on(actor, opportunity, "opportunity", "update")
    data = _prepare(data)
    _resolve(actor, data)
    opp = lock(Opportunity, opportunity.pk, version)
    old_stage = opp.stage
    if (
        "pipeline" in data
        and "stage" not in data
        and data["pipeline"] is not None
        and data["pipeline"].pk != opp.pipeline_id
    ):
        data["stage"] = data["pipeline"].stages.order_by("position", "id").first()
    changes = apply(opp, data)
    validate(opp)
    _apply_stage_rules(opp, changes)
    if not changes:
        return opp
    stamp(opp, actor)
    opp.search_tokens = opportunity_tokens(opp)
    opp.save()
    if "stage" in changes:
        changes["stage"] = (old_stage.name, opp.stage.name)
        verb = {
            OpportunityStatus.WON: "opportunity.won",
            OpportunityStatus.LOST: "opportunity.lost",
        }.get(opp.status, "opportunity.stage_changed")
    else:
        verb = "opportunity.updated"
    events.record(
        actor,
        verb,
        opp,
        account_id=opp.account_id,
        changes=changes,
        data={"amount": opp.amount, "currency": opp.currency},
    )
    return opp


def opportunity_move(
    *,
    actor,
    opportunity: Opportunity,
    stage: Any,
    version: int | None = None,
    lost_reason: str | None = None,
) -> Opportunity:
    """Move a deal to another stage of its pipeline (the kanban's drag and drop)."""
    data: dict[str, Any] = {"stage": stage}
    if lost_reason is not None:
        data["lost_reason"] = lost_reason
    return opportunity_update(actor=actor, opportunity=opportunity, data=data, version=version)


@transaction.atomic
def opportunity_assign(
    *, actor, opportunity: Opportunity, owner: Any, version: int | None = None
) -> Opportunity:
    return assign_owner(actor, opportunity, "opportunity", owner, version)


@transaction.atomic
def opportunity_delete(*, actor, opportunity: Opportunity, version: int | None = None) -> None:
    access.require_on(actor, opportunity, "opportunity", "delete")
    opp = lock(Opportunity, opportunity.pk, version)
    pk, name, account_id = opp.pk, opp.name, opp.account_id
    opp.delete()
    events.record(
        actor,
        "opportunity.deleted",
        None,
        object_type="opportunity",
        account_id=account_id,
        organisation_id=actor.organisation_id,
        data={"id": pk, "name": name},
    )
