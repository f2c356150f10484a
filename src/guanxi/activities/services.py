"""Writes for activities: log a call or visit, plan a task, complete it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.activities.models import Activity
from guanxi.core import access, events
from guanxi.core.errors import NotFound, ValidationFailed
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
from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Opportunity

ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "body",
    "due_at",
    "done",
    "account",
    "contact",
    "opportunity",
    "lead",
)


def _prepare(actor, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, ACTIVITY_FIELDS)
    if "subject" in data:
        data["subject"] = clean_text(data["subject"])
    for name, model in (("account", Account), ("contact", Contact), ("opportunity", Opportunity)):
        if name in data:
            data[name] = resolve(actor, model.objects.all(), name, data[name], name)
    if "lead" in data:
        data["lead"] = _resolve_lead(actor, data["lead"])
    return data


def _resolve_lead(actor, value):
    from guanxi.leads.selectors import lead_get

    if value in (None, ""):
        return None
    try:
        return lead_get(actor, value.pk if hasattr(value, "pk") else value)
    except NotFound:
        raise ValidationFailed.on("lead", _("Select a record you can see.")) from None


def _touch_lead(actor, activity: Activity) -> None:
    """Logging a call or visit on a lead counts as following it up."""
    if activity.lead_id is not None:
        from guanxi.leads.services import lead_touch

        lead_touch(actor=actor, lead=activity.lead)


def _link(activity: Activity) -> None:
    """An activity about a contact or deal also belongs on their account's timeline."""
    errors = {}
    for related in (activity.opportunity, activity.contact):
        if related is None or related.account_id is None:
            continue
        if activity.account_id is None:
            activity.account_id = related.account_id
        elif related.account_id != activity.account_id:
            field = "opportunity" if related is activity.opportunity else "contact"
            errors[field] = [_("This record belongs to another account.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _done(activity: Activity, changes: dict) -> None:
    if "done" in changes:
        activity.done_at = timezone.now() if activity.done else None


def _event_data(activity: Activity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "subject": activity.subject,
        "done": activity.done,
        "due_at": activity.due_at,
    }


@transaction.atomic
def activity_create(*, actor, data: dict[str, Any], owner: Any = None) -> Activity:
    access.require_right(actor, "activity", "create")
    data = _prepare(actor, data)
    activity = Activity(owner=choose_owner(actor, owner))
    changes = apply(activity, data)
    _link(activity)
    _done(activity, changes)
    stamp(activity, actor, creating=True)
    validate(activity)
    activity.save()
    _touch_lead(actor, activity)
    events.record(
        actor,
        "activity.created",
        activity,
        account_id=activity.account_id,
        data=_event_data(activity),
    )
    return activity


@transaction.atomic
def activity_update(
    *, actor, activity: Activity, data: dict[str, Any], version: int | None = None
) -> Activity:
    access.require_on(actor, activity, "activity", "update")
    data = _prepare(actor, data)
    activity = lock(Activity, activity.pk, version)
    changes = apply(activity, data)
    _link(activity)
    _done(activity, changes)
    validate(activity)
    if not changes:
        return activity
    stamp(activity, actor)
    activity.save()
    verb = "activity.completed" if changes.get("done") == (False, True) else "activity.updated"
    events.record(
        actor,
        verb,
        activity,
        account_id=activity.account_id,
        changes=changes,
        data=_event_data(activity),
    )
    return activity


def activity_complete(
    *, actor, activity: Activity, done: bool = True, version: int | None = None
) -> Activity:
    return activity_update(actor=actor, activity=activity, data={"done": done}, version=version)


@transaction.atomic
def activity_assign(
    *, actor, activity: Activity, owner: Any, version: int | None = None
) -> Activity:
    return assign_owner(actor, activity, "activity", owner, version)


@transaction.atomic
def activity_delete(*, actor, activity: Activity, version: int | None = None) -> None:
    access.require_on(actor, activity, "activity", "delete")
    activity = lock(Activity, activity.pk, version)
    pk, subject, account_id = activity.pk, activity.subject, activity.account_id
    activity.delete()
    events.record(
        actor,
        "activity.deleted",
        None,
        object_type="activity",
        account_id=account_id,
        organisation_id=actor.organisation_id,
        data={"id": pk, "subject": subject},
    )
