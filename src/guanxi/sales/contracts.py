"""Contracts: what a customer signed for a period — made from an order, from a deal, or alone.

A contract moves draft → active → expired / terminated / renewed. A draft changes freely;
an active contract only in its contact and renewal settings (its value, period and terms are
what was signed: renew it or terminate it). **Renew** makes the contract for the following
period — a draft with the same terms and value, linked by ``renewed_from`` — and marks the
old one renewed. Numbers run per organisation and year: CT-2026-0001 …

Every day (``sales.tasks.contracts_daily``) the owner of an active contract is reminded
``remind_days_before`` its renewal date (once, in the app and by email when an SMTP server
is configured), and active contracts past their end date expire — those that renew
automatically are renewed instead, the next one active at once.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, ValidationFailed
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort
from guanxi.core.models import Event
from guanxi.core.normalize import clean_text
from guanxi.core.notifications import notify
from guanxi.core.pagination import Page, paginate
from guanxi.core.records import (
    apply,
    assign_owner,
    choose_owner,
    lock,
    next_number,
    reject_unknown,
    resolve,
    stamp,
    validate,
)
from guanxi.core.search import search
from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Contract, ContractStatus, Opportunity, Order, OrderStatus

CONTRACT_FIELDS = (
    "title",
    "contact",
    "currency",
    "value",
    "signed_on",
    "start_date",
    "end_date",
    "renewal_date",
    "remind_days_before",
    "auto_renew",
    "terms",
)
CONTRACT_CREATE_FIELDS = ("account", "opportunity", "order", *CONTRACT_FIELDS)
# What may still change once a contract is active.
ACTIVE_FIELDS = ("contact", "renewal_date", "remind_days_before", "auto_renew")
CONTRACT_SORTS = ("-updated_at", "end_date", "-created_at", "number")
CONTRACT_FILTERS = {
    "owner": OWNER,
    "status": ContractStatus,
    "account": ID,
    "opportunity": ID,
    "order": ID,
}
RENEWING_CHOICES = (30, 60, 90)
RENEWABLE = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)


def contract_url(contract: Contract) -> str:
    return reverse("sales:contract_detail", args=[contract.pk])


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_end(start: date) -> date:
    """A year, the usual term: 2026-03-01 → 2027-02-28."""
    return add_months(start, 12) - timedelta(days=1)


def next_period(start: date, end: date) -> tuple[date, date]:
    """The period after ``start``…``end``, as long: whole months stay whole months (a year
    from 1 January ends on 31 December, leap year or not), other periods keep their days."""
    first = end + timedelta(days=1)
    months = (first.year - start.year) * 12 + first.month - start.month
    if months > 0 and add_months(start, months) == first:
        return first, add_months(first, months) - timedelta(days=1)
    return first, first + (end - start)


# --- Creating and editing --------------------------------------------------------------------


def _prepare(actor, data: dict[str, Any], allowed) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, allowed)
    if data.get("title") is not None:
        data["title"] = clean_text(data["title"])
    if data.get("terms") is not None:
        data["terms"] = str(data["terms"]).strip()
    related = (
        ("contact", Contact.objects.all(), "contact"),
        ("account", Account.objects.all(), "account"),
        ("opportunity", Opportunity.objects.select_related("account"), "opportunity"),
        ("order", Order.objects.select_related("account", "opportunity"), "order"),
    )
    for name, qs, obj_type in related:
        if name in data:
            data[name] = resolve(actor, qs, obj_type, data[name], name)
    return data


def _check(contract: Contract) -> None:
    errors: dict[str, list[str]] = {}
    if contract.end_date < contract.start_date:
        errors["end_date"] = [_("The contract cannot end before it starts.")]
    elif contract.renewal_date and not (
        contract.start_date <= contract.renewal_date <= contract.end_date
    ):
        errors["renewal_date"] = [_("The renewal date falls within the contract's period.")]
    if contract.contact_id and contract.contact.account_id not in (None, contract.account_id):
        errors["contact"] = [_("This contact works for another account.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _sources(data: dict[str, Any]) -> tuple[Account, dict[str, Any]]:
    """The account, and the defaults the order or deal a contract is made from give it."""
    order, deal = data.pop("order", None), data.pop("opportunity", None)
    account = data.pop("account", None)
    defaults: dict[str, Any] = {}
    if order is not None:
        if order.status == OrderStatus.CANCELLED:
            raise ValidationFailed.on("order", _("This order was cancelled."))
        if deal is not None and order.opportunity_id not in (None, deal.pk):
            raise ValidationFailed.on("opportunity", _("The order is for another deal."))
        deal = deal or order.opportunity
        defaults = {
            "order": order,
            "contact_id": order.contact_id,
            "currency": order.currency,
            "value": order.total,
            "title": (deal.name if deal else f"{order.account.name} {order.number}")[:200],
        }
        source_account = order.account
    elif deal is not None:
        defaults = {
            "contact_id": deal.contact_id,
            "currency": deal.currency,
            "value": deal.amount,
            "title": deal.name,
        }
        source_account = deal.account
    else:
        source_account = None
    if source_account is not None:
        if account is not None and account.pk != source_account.pk:
            raise ValidationFailed.on("account", _("The order or deal is for another account."))
        account = source_account
    if account is None:
        raise ValidationFailed.on("account", _("Choose the account (or the order or deal)."))
    defaults["opportunity"] = deal
    return account, defaults


def _created(actor, contract: Contract, data: dict[str, Any]) -> None:
    events.record(
        actor,
        "contract.created",
        contract,
        account_id=contract.account_id,
        data={"number": contract.number, "amount": contract.value, "currency": contract.currency}
        | data,
    )


def _number(organisation_id: int) -> str:
    return next_number(Contract, organisation_id, f"CT-{timezone.localdate().year}-", 4)


@transaction.atomic
def contract_create(*, actor, data: dict[str, Any], owner: Any = None) -> Contract:
    """A new draft contract for an order, a deal or an account. From an order or a deal it
    takes their account, contact, currency and amount unless given; it runs a year from
    today unless dates are given, and comes up for renewal at its end."""
    access.require_right(actor, "contract", "create")
    data = _prepare(actor, data, CONTRACT_CREATE_FIELDS)
    account, defaults = _sources(data)
    contract = Contract(
        owner=choose_owner(actor, owner),
        account=account,
        currency=actor.organisation.currency,
        title=account.name[:200],
        start_date=timezone.localdate(),
    )
    for name, value in defaults.items():
        setattr(contract, name, value)
    apply(contract, {k: v for k, v in data.items() if v is not None or k == "contact"})
    if "end_date" not in data or data["end_date"] is None:
        contract.end_date = default_end(contract.start_date)
    if contract.renewal_date is None:
        contract.renewal_date = contract.end_date
    stamp(contract, actor, creating=True)
    _check(contract)  # before the model's constraints: the error then names the field
    validate(contract)
    contract.number = _number(actor.organisation_id)
    contract.save()
    _created(
        actor,
        contract,
        {"order": contract.order_id, "opportunity": contract.opportunity_id},
    )
    return contract


@transaction.atomic
def contract_update(
    *, actor, contract: Contract, data: dict[str, Any], version: int | None = None
) -> Contract:
    """Change a draft; of an active contract, only its contact and renewal settings."""
    access.require_on(actor, contract, "contract", "update")
    data = _prepare(actor, data, CONTRACT_FIELDS)
    contract = lock(Contract, contract.pk, version)
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise InvalidTransition(_("A contract that has ended cannot change."))
    old_end = contract.end_date
    changes = apply(contract, data)
    if contract.status == ContractStatus.ACTIVE and set(changes) - set(ACTIVE_FIELDS):
        raise InvalidTransition(
            _(
                "An active contract keeps the value, period and terms that were signed: "
                "renew it or terminate it."
            )
        )
    if "end_date" in changes and "renewal_date" not in data and contract.renewal_date == old_end:
        contract.renewal_date = contract.end_date  # it followed the end: it still does
        changes["renewal_date"] = (old_end, contract.end_date)
    if contract.renewal_date is None:
        contract.renewal_date = contract.end_date
    if not changes:
        return contract
    _check(contract)  # before the model's constraints: the error then names the field
    validate(contract)
    if {"renewal_date", "remind_days_before"} & set(changes):
        contract.reminded_on = None  # a new date: a new reminder
    stamp(contract, actor)
    contract.save()
    events.record(
        actor, "contract.updated", contract, account_id=contract.account_id, changes=changes
    )
    return contract


@transaction.atomic
def contract_delete(*, actor, contract: Contract, version: int | None = None) -> None:
    """Delete a draft contract (a signed one is terminated instead and stays on record)."""
    access.require_on(actor, contract, "contract", "delete")
    contract = lock(Contract, contract.pk, version)
    if contract.status != ContractStatus.DRAFT:
        raise InvalidTransition(_("Only a draft contract can be deleted: terminate it instead."))
    pk, number, account_id = contract.pk, str(contract), contract.account_id
    contract.delete()
    events.record(
        actor,
        "contract.deleted",
        None,
        object_type="contract",
        account_id=account_id,
        organisation_id=actor.organisation_id,
        data={"id": pk, "number": number},
    )


@transaction.atomic
def contract_assign(
    *, actor, contract: Contract, owner: Any, version: int | None = None
) -> Contract:
    """Hand a contract to another owner (emits ``contract.assigned``)."""
    return assign_owner(actor, contract, "contract", owner, version)


# --- The way of a contract -------------------------------------------------------------------


def _stamp(contract: Contract, actor, *, creating: bool = False) -> None:
    """``stamp`` for a person, or for the daily job (no actor)."""
    if actor is not None:
        stamp(contract, actor, creating=creating)
        return
    now = timezone.now()
    if creating:
        contract.created_by, contract.created_at, contract.version = None, now, 1
    else:
        contract.version += 1
    contract.updated_by, contract.updated_at = None, now


def _set_status(actor, contract: Contract, status: str, verb: str, data=None) -> Contract:
    old = contract.status
    contract.status = status
    _stamp(contract, actor)
    contract.save()
    events.record(
        actor,
        verb,
        contract,
        account_id=contract.account_id,
        changes={"status": (old, status)},
        data={"number": contract.number, "amount": contract.value, "currency": contract.currency}
        | (data or {}),
    )
    return contract


@transaction.atomic
def contract_activate(*, actor, contract: Contract, version: int | None = None) -> Contract:
    """The contract is signed and runs (emits ``contract.activated``); signed today unless
    another day was entered."""
    access.require_on(actor, contract, "contract", "update")
    contract = lock(Contract, contract.pk, version)
    if contract.status != ContractStatus.DRAFT:
        raise InvalidTransition(_("Only a draft contract can be activated."))
    today = timezone.localdate()
    if contract.end_date < today:
        raise ValidationFailed.on("end_date", _("This contract has already ended."))
    contract.signed_on = contract.signed_on or today
    return _set_status(actor, contract, ContractStatus.ACTIVE, "contract.activated")


@transaction.atomic
def contract_terminate(
    *, actor, contract: Contract, reason: str = "", version: int | None = None
) -> Contract:
    """End an active contract early, saying why (emits ``contract.terminated``)."""
    access.require_on(actor, contract, "contract", "update")
    reason = clean_text(reason or "")[:300]
    contract = lock(Contract, contract.pk, version)
    if contract.status != ContractStatus.ACTIVE:
        raise InvalidTransition(_("Only an active contract can be terminated."))
    if not reason:
        raise ValidationFailed.on("reason", _("Say why the contract is terminated."))
    contract.terminated_at = timezone.now()
    contract.termination_reason = reason
    return _set_status(
        actor, contract, ContractStatus.TERMINATED, "contract.terminated", {"reason": reason}
    )


def _renew(actor, old: Contract, *, active: bool) -> Contract:
    """The contract for the period after ``old`` (locked by the caller), ``old`` renewed."""
    start, end = next_period(old.start_date, old.end_date)
    new = Contract(
        organisation_id=old.organisation_id,
        owner_id=old.owner_id,
        title=old.title,
        account_id=old.account_id,
        contact_id=old.contact_id,
        opportunity_id=old.opportunity_id,
        currency=old.currency,
        value=old.value,
        start_date=start,
        end_date=end,
        renewal_date=end,
        remind_days_before=old.remind_days_before,
        auto_renew=old.auto_renew,
        terms=old.terms,
        renewed_from=old,
        status=ContractStatus.ACTIVE if active else ContractStatus.DRAFT,
    )
    _stamp(new, actor, creating=True)
    new.number = _number(old.organisation_id)
    new.save()
    _set_status(
        actor, old, ContractStatus.RENEWED, "contract.renewed", {"by": new.pk, "next": new.number}
    )
    _created(actor, new, {"renewed_from": old.pk, "previous": old.number, "auto": active})
    return new


@transaction.atomic
def contract_renew(*, actor, contract: Contract, version: int | None = None) -> Contract:
    """The contract for the following period, as a draft with the same terms and value
    (change them, then activate it once signed); this one becomes renewed. Returns the new
    contract."""
    access.require_on(actor, contract, "contract", "update")
    access.require_right(actor, "contract", "create")
    contract = lock(Contract, contract.pk, version)
    if contract.status not in RENEWABLE:
        raise InvalidTransition(_("Only an active or expired contract can be renewed."))
    return _renew(actor, contract, active=False)


# --- The daily job ---------------------------------------------------------------------------


def _due_for_reminder(organisation_id: int, today: date) -> list[Contract]:
    """Active contracts whose reminder day has come and that were not reminded yet."""
    candidates = Contract.objects.filter(
        organisation_id=organisation_id,
        status=ContractStatus.ACTIVE,
        reminded_on__isnull=True,
        renewal_date__isnull=False,
        renewal_date__lte=today + timedelta(days=366),  # the longest reminder is a year
        end_date__gte=today,
    ).select_related("account", "owner")
    return [c for c in candidates if c.renewal_date - timedelta(days=c.remind_days_before) <= today]


@transaction.atomic
def contracts_daily(*, organisation_id: int, today: date | None = None) -> dict[str, int]:
    """Renewal reminders due today, then contracts past their end: expired, or renewed when
    they renew automatically. Each reminder is sent once (``reminded_on``)."""
    today = today or timezone.localdate()
    due = _due_for_reminder(organisation_id, today)
    if due:
        Contract.objects.filter(pk__in=[c.pk for c in due]).update(reminded_on=today)
        events.emit(
            *(
                events.build(
                    None,
                    "contract.renewal_due",
                    c,
                    account_id=c.account_id,
                    data={
                        "number": c.number,
                        "renewal_date": c.renewal_date,
                        "auto_renew": c.auto_renew,
                        "account_name": c.account.name,
                    },
                )
                for c in due
            )
        )
    expired = renewed = 0
    ended = Contract.objects.select_for_update().filter(
        organisation_id=organisation_id, status=ContractStatus.ACTIVE, end_date__lt=today
    )
    for contract in ended.order_by("id"):
        if not contract.auto_renew:
            _set_status(None, contract, ContractStatus.EXPIRED, "contract.expired")
            expired += 1
            continue
        # Renewed period after period until one runs today (the job may not have run).
        while contract.end_date < today:
            contract = _renew(None, contract, active=True)
            renewed += 1
    return {"reminded": len(due), "expired": expired, "renewed": renewed}


def notify_renewal(event: Event) -> None:
    """The owner of a contract coming up for renewal hears about it (``contract.renewal_due``)."""
    contract = getattr(event, "subject", None)
    if contract is None:
        return
    data = event.data or {}
    day = contract.renewal_date

    def text() -> str:
        values = {
            "number": contract.number,
            "title": contract.title,
            "account": data.get("account_name", ""),
            "date": date_format(day, "SHORT_DATE_FORMAT"),
        }
        if contract.auto_renew:
            return (
                _("Contract %(number)s “%(title)s” with %(account)s renews by itself on %(date)s")
                % values
            )
        return (
            _("Contract %(number)s “%(title)s” with %(account)s is up for renewal on %(date)s")
            % values
        )

    notify(contract.owner, "contract.renewal_due", text, url=contract_url(contract))


# --- Reads -----------------------------------------------------------------------------------


def _renewing(filters: dict[str, Any]) -> int | None:
    value = filters.pop("renewing", None)
    if value in (None, ""):
        return None
    days = int(value) if str(value).isdigit() else None
    if days is None or not 1 <= days <= 366:
        raise ValidationFailed.on("renewing", _("Select a valid choice."))
    return days


def contract_queryset(actor, *, filters=None, q: str | None = None) -> models.QuerySet[Contract]:
    qs = access.scoped(actor, Contract.objects.select_related("owner", "account"), "contract")
    filters = dict(filters or {})
    days = _renewing(filters)
    qs = apply_filters(qs, actor, filters, CONTRACT_FILTERS)
    if days is not None:
        today = timezone.localdate()
        qs = qs.filter(
            status=ContractStatus.ACTIVE,
            renewal_date__gte=today,
            renewal_date__lte=today + timedelta(days=days),
        )
    if q:
        text = q.strip()
        if text.replace("-", "").upper().removeprefix("CT").isdigit():
            qs = qs.filter(number__icontains=text)
        else:
            accounts = search(Account.objects.filter(organisation_id=actor.organisation_id), text)
            qs = qs.filter(models.Q(account_id__in=accounts.values("id")))
    return qs


def contract_list(
    actor,
    *,
    filters=None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    q: str | None = None,
) -> Page:
    sort = check_sort(sort, CONTRACT_SORTS)
    qs = contract_queryset(actor, filters=filters, q=q)
    return paginate(qs, sort=sort, cursor=cursor, limit=limit)


def contract_get(actor, pk: Any) -> Contract:
    return access.get_visible(
        actor,
        Contract.objects.select_related(
            "owner", "account", "contact", "opportunity", "order", "renewed_from"
        ),
        "contract",
        pk,
    )


def contract_successor(actor, contract: Contract) -> Contract | None:
    """The contract that renewed this one, if the actor may see it."""
    return (
        access.scoped(actor, Contract.objects.all(), "contract")
        .filter(renewed_from=contract)
        .first()
    )


def related_contracts(actor, *, account=None, deal=None, order=None, limit: int = 20) -> list:
    """Contracts of an account, a deal or an order the actor can see, latest first."""
    qs = access.scoped(actor, Contract.objects.all(), "contract")
    for name, value in (("account", account), ("opportunity", deal), ("order", order)):
        if value is not None:
            qs = qs.filter(**{name: value})
    return list(qs.order_by("-start_date", "-id")[:limit])


def contract_events(actor, contract: Contract, limit: int = 50) -> list[Event]:
    """What happened to a contract the actor can see, newest first."""
    return list(
        Event.objects.filter(
            organisation_id=contract.organisation_id,
            object_type="contract",
            object_id=contract.pk,
        )
        .select_related("actor")
        .order_by("-id")[:limit]
    )
