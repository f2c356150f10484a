"""Approvals: a record that crosses a rule waits for the decision of the right person.

Any record type can use it. A domain ``register``s its type once — the figures rules may test
(a quote offers its discount and its total) and what happens when a decision falls — then
calls ``request_approval`` when a record is submitted. Rules (``ApprovalRule``) are data an
admin edits: "the figure F above the threshold T needs the approver A". The first matching
rule (by its order) names the approvers: the requester's team manager — the people with a
team-wide role in the nearest team above the requester that has one — or everyone with a
given role; without anyone there, the organisation's administrators. Nobody approves their
own request. Every step is an event (``approval.requested``, ``approval.approved``,
``approval.rejected``, ``approval.cancelled``) and the approvers get a notification.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import (
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApproverKind,
    Scope,
    User,
)
from guanxi.core.normalize import clean_text
from guanxi.core.records import apply, lock, reject_unknown, stamp, validate


@dataclass
class ApprovalType:
    object_type: str
    label: Any
    figures: Mapping[str, Any]  # figure name -> its label
    # (actor, request, approved) once a decision is taken, inside its transaction
    on_decided: Callable[[Any, ApprovalRequest, bool], None]


_types: dict[str, ApprovalType] = {}


def register(approval_type: ApprovalType) -> None:
    _types[approval_type.object_type] = approval_type


def registered() -> dict[str, ApprovalType]:
    return dict(_types)


# --- Rules -----------------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "object_type",
    "field",
    "threshold",
    "approver_kind",
    "approver_role",
    "position",
    "is_active",
)


def rule_list(actor) -> list[ApprovalRule]:
    access.require_admin(actor)
    return list(ApprovalRule.objects.filter(organisation_id=actor.organisation_id))


def rule_get(actor, pk: Any) -> ApprovalRule:
    access.require_admin(actor)
    from guanxi.core.filters import parse_id

    rule = ApprovalRule.objects.filter(
        organisation_id=actor.organisation_id, pk=parse_id(pk) or 0
    ).first()
    if rule is None:
        raise NotFound()
    return rule


def _check_rule(rule: ApprovalRule) -> None:
    kind = _types.get(rule.object_type)
    if kind is None:
        raise ValidationFailed.on("object_type", _("Select a valid choice."))
    if rule.field not in kind.figures:
        raise ValidationFailed.on("field", _("Select a valid choice."))
    if rule.approver_kind == ApproverKind.ROLE and not rule.approver_role:
        raise ValidationFailed.on("approver_role", _("Name the role that approves."))
    if rule.threshold is not None and rule.threshold < 0:
        raise ValidationFailed.on("threshold", _("Enter zero or more."))


@transaction.atomic
def rule_save(
    *, actor, data: dict[str, Any], rule: ApprovalRule | None = None, version: int | None = None
) -> ApprovalRule:
    """Create or change an approval rule (administrators only)."""
    access.require_admin(actor)
    data = dict(data)
    reject_unknown(data, RULE_FIELDS)
    if "name" in data:
        data["name"] = clean_text(data["name"])
    creating = rule is None
    rule = ApprovalRule() if creating else lock(ApprovalRule, rule.pk, version)
    changes = apply(rule, data)
    stamp(rule, actor, creating=creating)
    validate(rule, exclude=["organisation"])
    _check_rule(rule)
    rule.save()
    events.record(
        actor,
        "approval_rule.created" if creating else "approval_rule.updated",
        rule,
        changes=changes,
    )
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: ApprovalRule) -> None:
    access.require_admin(actor)
    pk, name = rule.pk, rule.name
    ApprovalRule.objects.filter(pk=pk, organisation_id=actor.organisation_id).delete()
    events.record(
        actor,
        "approval_rule.deleted",
        None,
        object_type="approval_rule",
        organisation_id=actor.organisation_id,
        data={"id": pk, "name": name},
    )


def matching_rules(
    organisation_id: int, object_type: str, figures: Mapping[str, Decimal]
) -> list[tuple[ApprovalRule, Decimal]]:
    """Active rules whose figure is above their threshold, in the rules' order."""
    rules = ApprovalRule.objects.filter(
        organisation_id=organisation_id, object_type=object_type, is_active=True
    )
    return [
        (rule, figures[rule.field])
        for rule in rules
        if rule.field in figures and figures[rule.field] > rule.threshold
    ]


def _active_users(organisation_id: int) -> models.QuerySet[User]:
    return User.objects.filter(organisation_id=organisation_id, is_active=True)


def resolve_approvers(rule: ApprovalRule, requester: User) -> list[User]:
    users = _active_users(requester.organisation_id).exclude(pk=requester.pk)
    found: list[User] = []
    if rule.approver_kind == ApproverKind.ROLE:
        found = list(users.filter(role__code=rule.approver_role))
    elif requester.team_id is not None:
        team_ids = [int(p) for p in requester.team.path.strip("/").split("/") if p]
        managers = list(users.filter(team_id__in=team_ids, role__scope=Scope.TEAM))
        for team_id in reversed(team_ids):  # the nearest team first
            found = [u for u in managers if u.team_id == team_id]
            if found:
                break
    if not found:
        found = list(users.filter(role__is_admin=True))
    return found


def _reason(rule: ApprovalRule, value: Decimal) -> dict[str, str]:
    return {
        "rule": rule.name,
        "field": rule.field,
        "value": str(value),
        "above": str(rule.threshold),
    }


def request_approval(
    *,
    actor,
    obj: models.Model,
    object_type: str,
    figures: Mapping[str, Decimal],
    url: str = "",
    account_id: int | None = None,
) -> ApprovalRequest | None:
    """Ask for a decision on ``obj`` if a rule says so; None when no rule matches.

    The caller holds the transaction and locks its record while the request is pending.
    """
    matches = matching_rules(actor.organisation_id, object_type, figures)
    if not matches:
        return None
    if ApprovalRequest.objects.filter(
        organisation_id=actor.organisation_id,
        object_type=object_type,
        object_id=obj.pk,
        status=ApprovalStatus.PENDING,
    ).exists():
        raise InvalidTransition(_("A decision on this record is already pending."))
    approvers = resolve_approvers(matches[0][0], actor)
    if not approvers:
        raise ValidationFailed(_("No one in the organisation can approve this request."))
    req = ApprovalRequest(
        object_type=object_type,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        url=url,
        requested_by=actor,
        reasons=[_reason(rule, value) for rule, value in matches],
    )
    stamp(req, actor, creating=True)
    req.save()
    req.approvers.set(approvers)
    events.record(
        actor,
        "approval.requested",
        req,
        account_id=account_id,
        data={
            "object_type": object_type,
            "object_id": obj.pk,
            "approvers": [u.pk for u in approvers],
            "reasons": req.reasons,
        },
    )
    return req


def _pending_for_object(actor, object_type: str, object_id: int) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update()
        .filter(
            organisation_id=actor.organisation_id,
            object_type=object_type,
            object_id=object_id,
            status=ApprovalStatus.PENDING,
        )
        .first()
    )


def can_decide(actor, req: ApprovalRequest) -> bool:
    return (
        req.status == ApprovalStatus.PENDING
        and req.organisation_id == actor.organisation_id
        and req.approvers.filter(pk=actor.pk).exists()
    )


@transaction.atomic
def decide(
    *, actor, request: ApprovalRequest, approve: bool, comment: str = "", account_id=None
) -> ApprovalRequest:
    """Approve or reject a pending request (only one of its approvers); a rejection needs a
    comment saying why."""
    if request.organisation_id != actor.organisation_id:
        raise NotFound()
    req = lock(ApprovalRequest, request.pk, None)
    if req.status != ApprovalStatus.PENDING:
        raise InvalidTransition(_("This request has already been decided."))
    if not req.approvers.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("You are not an approver of this request."))
    comment = str(comment or "").replace("\x00", "").strip()[:2000]
    if not approve and not comment:
        raise ValidationFailed.on("comment", _("Say why you reject it."))
    req.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.comment = comment
    stamp(req, actor)
    req.save()
    events.record(
        actor,
        "approval.approved" if approve else "approval.rejected",
        req,
        account_id=account_id,
        data={
            "object_type": req.object_type,
            "object_id": req.object_id,
            "requested_by": req.requested_by_id,
            "comment": comment,
        },
    )
    kind = _types.get(req.object_type)
    if kind is not None:
        kind.on_decided(actor, req, approve)
    return req


def cancel_pending(*, actor, object_type: str, object_id: int, account_id=None) -> None:
    """Withdraw the pending request on a record (the caller holds the transaction)."""
    req = _pending_for_object(actor, object_type, object_id)
    if req is None:
        return
    req.status = ApprovalStatus.CANCELLED
    req.decided_by = actor
    req.decided_at = timezone.now()
    stamp(req, actor)
    req.save()
    events.record(
        actor,
        "approval.cancelled",
        req,
        account_id=account_id,
        data={"object_type": object_type, "object_id": object_id},
    )


# --- Reads -----------------------------------------------------------------------------------


def request_get(actor, pk: Any) -> ApprovalRequest:
    """A request the actor asked for or is to decide."""
    from guanxi.core.filters import parse_id

    req = (
        ApprovalRequest.objects.select_related("requested_by", "decided_by")
        .filter(organisation_id=actor.organisation_id, pk=parse_id(pk) or 0)
        .filter(models.Q(requested_by=actor) | models.Q(approvers=actor))
        .distinct()
        .first()
    )
    if req is None:
        raise NotFound()
    return req


def waiting_for(actor, limit: int = 100) -> list[ApprovalRequest]:
    """Pending requests the actor is to decide, oldest first (the approvals inbox)."""
    if actor is None or actor.organisation_id is None:
        return []
    return list(
        ApprovalRequest.objects.select_related("requested_by")
        .filter(
            organisation_id=actor.organisation_id,
            status=ApprovalStatus.PENDING,
            approvers=actor,
        )
        .order_by("id")[:limit]
    )


def waiting_count(actor) -> int:
    return ApprovalRequest.objects.filter(
        organisation_id=actor.organisation_id, status=ApprovalStatus.PENDING, approvers=actor
    ).count()


def history(organisation_id: int, object_type: str, object_id: int) -> list[ApprovalRequest]:
    """Every request on one record, newest first; the caller has checked the record."""
    return list(
        ApprovalRequest.objects.select_related("requested_by", "decided_by")
        .prefetch_related("approvers")
        .filter(organisation_id=organisation_id, object_type=object_type, object_id=object_id)
        .order_by("-id")
    )


def is_approver_of(actor, object_type: str, object_id: int) -> bool:
    """Whether the actor was asked to decide on this record (so may read it)."""
    return ApprovalRequest.objects.filter(
        organisation_id=actor.organisation_id,
        object_type=object_type,
        object_id=object_id,
        approvers=actor,
    ).exists()


# --- Notifications ---------------------------------------------------------------------------


def _notify(event) -> None:
    from guanxi.core.notifications import notify

    req = ApprovalRequest.objects.filter(pk=event.object_id).first()
    if req is None:
        return
    name = req.object_repr
    if event.verb == "approval.requested":
        requester = req.requested_by.display_name
        for user in req.approvers.all():
            notify(
                user,
                event.verb,
                lambda: (
                    _("%(user)s asks you to approve %(name)s.") % {"user": requester, "name": name}
                ),
                req.url,
            )
    elif event.verb in ("approval.approved", "approval.rejected"):
        approved = event.verb == "approval.approved"
        notify(
            req.requested_by,
            event.verb,
            lambda: (
                (_("%(name)s was approved.") if approved else _("%(name)s was rejected."))
                % {"name": name}
            ),
            req.url,
        )


def connect() -> None:
    events.subscribe("approval.", _notify, in_transaction=True)
