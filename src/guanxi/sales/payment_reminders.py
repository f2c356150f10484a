"""Payment reminders: the daily job tells each owner what falls due soon and what is overdue.

An instalment still owed is announced ``REMIND_DAYS_BEFORE`` days before its due date, then
once overdue on the day after it, 7 days and 30 days after (``OVERDUE_REMINDER_DAYS``); each
occasion once — ``Instalment.reminded_before_on`` / ``reminded_after_on`` remember it — and a
day the job missed is caught up once at its next run. The work is set-based: two reads and
a few updates per organisation, one ``payment.reminded`` event and one notification per
owner and occasion, whatever the number of instalments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.core import events
from guanxi.core.models import Organisation
from guanxi.core.notifications import notify
from guanxi.sales.models import Instalment
from guanxi.sales.payment_selectors import receivable, today_for
from guanxi.sales.payments import money_text

ZERO = Decimal("0.00")
# Days before the due date, and days after it, on which the owner is reminded.
REMIND_DAYS_BEFORE = 3
OVERDUE_REMINDER_DAYS = (1, 7, 30)


@dataclass
class ReminderBatch:
    """What one owner is reminded of in one notification: due soon, or overdue."""

    kind: str  # "due_soon" or "overdue"
    owner: Any
    instalments: list[Instalment] = field(default_factory=list)

    def amounts(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for i in self.instalments:
            out[i.currency] = out.get(i.currency, ZERO) + i.amount - i.paid
        return out


def _due_soon(qs, today: date):
    return qs.filter(
        due_date__gte=today,
        due_date__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        reminded_before_on__isnull=True,
    )


def _overdue_unreminded(qs, today: date):
    """Overdue instalments that reached a reminder day since their last reminder."""
    lag = ExpressionWrapper(F("reminded_after_on") - F("due_date"), output_field=DurationField())
    first, *later = OVERDUE_REMINDER_DAYS
    wanted = Q(reminded_after_on__isnull=True, due_date__lte=today - timedelta(days=first))
    for days in later:
        wanted |= Q(
            due_date__lte=today - timedelta(days=days), reminded_lag__lt=timedelta(days=days)
        )
    return qs.annotate(reminded_lag=lag).filter(wanted)


def _mark(ids: list[int], column: str, today: date) -> None:
    for start in range(0, len(ids), 500):
        Instalment.objects.filter(pk__in=ids[start : start + 500]).update(**{column: today})


@transaction.atomic
def remind_payments(*, organisation_id: int, today: date | None = None) -> int:
    """Tell owners what falls due within ``REMIND_DAYS_BEFORE`` days and what is overdue
    (on the day after the due date, then 7 and 30 days after), each instalment once per
    occasion: one notification per owner and occasion. Set-based: two reads and a few
    updates per organisation, whatever the number of instalments. Returns the number of
    instalments reminded of."""
    org = Organisation.objects.get(pk=organisation_id)
    today = today or today_for(org)
    base = receivable(Instalment.objects.filter(organisation_id=organisation_id))
    batches: dict[tuple[str, int], ReminderBatch] = {}
    reminded = 0
    for kind, qs, column in (
        ("due_soon", _due_soon(base, today), "reminded_before_on"),
        ("overdue", _overdue_unreminded(base, today), "reminded_after_on"),
    ):
        # FOR UPDATE of the instalments alone: a second run waits, then finds them reminded.
        rows = list(
            qs.select_for_update(of=("self",))
            .select_related("owner__organisation", "account", "order", "contract")
            .order_by("owner_id", "due_date", "id")
        )
        for inst in rows:
            key = (kind, inst.owner_id)
            batches.setdefault(key, ReminderBatch(kind, inst.owner)).instalments.append(inst)
        _mark([i.pk for i in rows], column, today)
        reminded += len(rows)
    built = []
    for batch in batches.values():
        event = events.build(
            None,
            "payment.reminded",
            None,
            object_type="payment",
            organisation_id=organisation_id,
            data={
                "kind": batch.kind,
                "owner": batch.owner.pk,
                "count": len(batch.instalments),
                "today": today,
                "amounts": {c: str(v) for c, v in batch.amounts().items()},
                "instalments": [i.pk for i in batch.instalments[:200]],
            },
        )
        event.object_repr = batch.owner.display_name[:200]
        event.subject = batch  # for the notification, which runs in this transaction
        built.append(event)
    if built:
        events.emit(*built)
    return reminded


# --- Notifications ----------------------------------------------------------------------------


def _amounts_text(amounts: dict[str, Decimal]) -> str:
    return " + ".join(money_text(v, c) for c, v in sorted(amounts.items()))


def _names(names: Iterable[str], limit: int = 3) -> str:
    names = list(dict.fromkeys(names))
    return "、".join(names[:limit]) + ("…" if len(names) > limit else "")


def _reminder_text(batch: ReminderBatch, today: date) -> str:
    """The notification's sentence, in the active language (the owner's)."""
    items = batch.instalments
    if len(items) == 1:
        inst = items[0]
        values = {
            "amount": money_text(inst.amount - inst.paid, inst.currency),
            "account": inst.account.name,
            "number": (inst.order or inst.contract).number,
            "date": formats.date_format(inst.due_date, "SHORT_DATE_FORMAT"),
            "days": (today - inst.due_date).days,
        }
        if batch.kind == "due_soon":
            return _("%(amount)s from %(account)s (%(number)s) falls due on %(date)s.") % values
        return (
            ngettext(
                "%(amount)s from %(account)s (%(number)s) is %(days)s day overdue.",
                "%(amount)s from %(account)s (%(number)s) is %(days)s days overdue.",
                values["days"],
            )
            % values
        )
    values = {
        "count": len(items),
        "amount": _amounts_text(batch.amounts()),
        "accounts": _names(i.account.name for i in items),
        "days": REMIND_DAYS_BEFORE,
    }
    if batch.kind == "due_soon":
        return (
            _("%(count)s payments fall due within %(days)s days: %(amount)s (%(accounts)s).")
            % values
        )
    return _("%(count)s payments are overdue: %(amount)s (%(accounts)s).") % values


def notify_reminded(event) -> None:
    """``payment.reminded``: the owner hears it in the app (and by email when configured)."""
    batch = getattr(event, "subject", None)
    if not isinstance(batch, ReminderBatch):
        return
    today = date.fromisoformat(event.data["today"])
    if batch.kind == "due_soon":
        query = f"?owner=me&due_to={(today + timedelta(days=REMIND_DAYS_BEFORE)).isoformat()}"
    else:
        query = "?owner=me&overdue=true"
    notify(
        batch.owner,
        event.verb,
        lambda: _reminder_text(batch, today),
        reverse("sales:receivables") + query,
    )
