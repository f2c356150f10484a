"""Events as sentences people read on a timeline or in the audit log.

Each verb has one translatable sentence with named placeholders, so translators can order
the words as their language needs; names come from the event and are escaped by
``format_html``. Field changes are listed under the sentence with the fields' own labels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access, registry
from guanxi.core.selectors import users_by_id
from guanxi.web.templatetags.guanxi import money

SENTENCES = {
    "account.created": gettext_lazy("{actor} created the account {object}"),
    "account.updated": gettext_lazy("{actor} updated the account {object}"),
    "account.assigned": gettext_lazy("{actor} handed the account {object} to {owner}"),
    "account.deleted": gettext_lazy("{actor} deleted the account {object}"),
    "account.released": gettext_lazy("{actor} released the account {object} to the pool {pool}"),
    "account.claimed": gettext_lazy("{actor} claimed the account {object} from the pool {pool}"),
    "account.reclaimed": gettext_lazy(
        "The account {object} went back to the pool {pool}: no follow-up for {days} days"
    ),
    "contact.created": gettext_lazy("{actor} added the contact {object}"),
    "contact.updated": gettext_lazy("{actor} updated the contact {object}"),
    "contact.assigned": gettext_lazy("{actor} handed the contact {object} to {owner}"),
    "contact.deleted": gettext_lazy("{actor} deleted the contact {object}"),
    "opportunity.created": gettext_lazy("{actor} created the deal {object} worth {amount}"),
    "opportunity.updated": gettext_lazy("{actor} updated the deal {object}"),
    "opportunity.stage_changed": gettext_lazy(
        "{actor} moved the deal {object} from {old_stage} to {new_stage}"
    ),
    "opportunity.won": gettext_lazy("{actor} won the deal {object} worth {amount}"),
    "opportunity.lost": gettext_lazy("{actor} lost the deal {object}"),
    "opportunity.assigned": gettext_lazy("{actor} handed the deal {object} to {owner}"),
    "opportunity.deleted": gettext_lazy("{actor} deleted the deal {object}"),
    "activity.created": gettext_lazy("{actor} added the {kind} {object}"),
    "activity.updated": gettext_lazy("{actor} updated the {kind} {object}"),
    "activity.completed": gettext_lazy("{actor} completed the {kind} {object}"),
    "activity.assigned": gettext_lazy("{actor} handed the activity {object} to {owner}"),
    "activity.deleted": gettext_lazy("{actor} deleted the activity {object}"),
    "lead.created": gettext_lazy("{actor} added the lead {object}"),
    "lead.updated": gettext_lazy("{actor} updated the lead {object}"),
    "lead.assigned": gettext_lazy("{actor} assigned the lead {object} to {owner}"),
    "lead.claimed": gettext_lazy("{actor} claimed the lead {object} from the pool"),
    "lead.released": gettext_lazy("{actor} released the lead {object} to the pool {pool}"),
    "lead.pooled": gettext_lazy("{actor} put the lead {object} in the pool {pool}"),
    "lead.reclaimed": gettext_lazy(
        "The lead {object} went back to the pool {pool}: no follow-up for {days} days"
    ),
    "lead.status_changed": gettext_lazy("{actor} set the lead {object} to {status}"),
    "quote.created": gettext_lazy("{actor} created the quote {object}"),
    "quote.updated": gettext_lazy("{actor} updated the quote {object}"),
    "quote.line_added": gettext_lazy("{actor} changed the lines of the quote {object}"),
    "quote.line_changed": gettext_lazy("{actor} changed the lines of the quote {object}"),
    "quote.line_removed": gettext_lazy("{actor} changed the lines of the quote {object}"),
    "quote.submitted": gettext_lazy(
        "{actor} asked for approval of the quote {object} worth {amount}"
    ),
    "quote.withdrawn": gettext_lazy("{actor} withdrew the quote {object} from approval"),
    "quote.approved": gettext_lazy("{actor} approved the quote {object} worth {amount}"),
    "quote.approval_rejected": gettext_lazy("{actor} did not approve the quote {object}"),
    "quote.sent": gettext_lazy("{actor} emailed the quote {object} worth {amount} to {to}"),
    "quote.accepted": gettext_lazy("{actor} recorded that the customer accepted {object}"),
    "quote.rejected": gettext_lazy("{actor} recorded that the customer turned down {object}"),
    "quote.superseded": gettext_lazy("{actor} replaced the quote {object} by a new revision"),
    "quote.revised": gettext_lazy("{actor} made the revision {object}"),
    "quote.expired": gettext_lazy("The quote {object} expired"),
    "quote.deleted": gettext_lazy("{actor} deleted the quote {object}"),
    "payment.plan_set": gettext_lazy(
        "{actor} set the payment plan of {object}: {count} instalments, {amount} in all"
    ),
    "payment.received": gettext_lazy("{actor} recorded {amount} received for {object}"),
    "payment.voided": gettext_lazy("{actor} voided a receipt of {amount} for {object}"),
    "payment.reminded": gettext_lazy("{object} was reminded of {count} payments"),
    "quote.sent_by_hand": gettext_lazy(
        "{actor} gave the quote {object} worth {amount} to the customer"
    ),
    "order.created": gettext_lazy("{actor} created the order {object} worth {amount}"),
    "order.updated": gettext_lazy("{actor} updated the order {object}"),
    "order.line_added": gettext_lazy("{actor} changed the lines of the order {object}"),
    "order.line_changed": gettext_lazy("{actor} changed the lines of the order {object}"),
    "order.line_removed": gettext_lazy("{actor} changed the lines of the order {object}"),
    "order.confirmed": gettext_lazy("{actor} confirmed the order {object} worth {amount}"),
    "order.shipped": gettext_lazy("{actor} shipped the order {object}"),
    "order.completed": gettext_lazy("{actor} completed the order {object}"),
    "order.cancelled": gettext_lazy("{actor} cancelled the order {object}"),
    "order.assigned": gettext_lazy("{actor} handed the order {object} to {owner}"),
    "order.deleted": gettext_lazy("{actor} deleted the order {object}"),
    "contract.created": gettext_lazy("{actor} created the contract {object} worth {amount}"),
    "contract.updated": gettext_lazy("{actor} updated the contract {object}"),
    "contract.activated": gettext_lazy("{actor} activated the contract {object}"),
    "contract.terminated": gettext_lazy("{actor} terminated the contract {object}"),
    "contract.renewed": gettext_lazy("{actor} renewed the contract {object} as {next}"),
    "contract.expired": gettext_lazy("The contract {object} expired"),
    "contract.renewal_due": gettext_lazy("The contract {object} comes up for renewal"),
    "contract.assigned": gettext_lazy("{actor} handed the contract {object} to {owner}"),
    "contract.deleted": gettext_lazy("{actor} deleted the contract {object}"),
    "lead.converted": gettext_lazy("{actor} converted the lead {object} into {account}"),
    "lead.deleted": gettext_lazy("{actor} deleted the lead {object}"),
    "account.merged": gettext_lazy("{actor} merged {merged} into the account {object}"),
    "account.merge_undone": gettext_lazy(
        "{actor} undid the merge of {merged} into the account {object}"
    ),
    "contact.merged": gettext_lazy("{actor} merged {merged} into the contact {object}"),
    "contact.merge_undone": gettext_lazy(
        "{actor} undid the merge of {merged} into the contact {object}"
    ),
    "lead.merged": gettext_lazy("{actor} merged {merged} into the lead {object}"),
    "lead.merge_undone": gettext_lazy("{actor} undid the merge of {merged} into the lead {object}"),
    "user.created": gettext_lazy("{actor} added the user {object}"),
    "team.created": gettext_lazy("{actor} created the team {object}"),
    "permission.user_changed": gettext_lazy("{actor} changed the role or team of {object}"),
    "permission.role_changed": gettext_lazy("{actor} changed the rights of the role {object}"),
    "token.created": gettext_lazy("{actor} created the API token {object}"),
    "token.revoked": gettext_lazy("{actor} revoked the API token {object}"),
}
FALLBACK = gettext_lazy("{actor}: {verb} {object}")

DETAIL_URLS = {
    "account": "customers:account_detail",
    "contact": "customers:contact_detail",
    "opportunity": "sales:deal_detail",
    "activity": "activities:activity_detail",
    "lead": "leads:lead_detail",
    "quote": "sales:quote_detail",
    "order": "sales:order_detail",
    "contract": "sales:contract_detail",
}
# Stage changes are told by the sentence; these are bookkeeping, not news.
HIDDEN_CHANGES = {"stage", "status", "version", "search_tokens"}


def _model(object_type: str):
    base = registry.object_querysets.get(object_type)
    return base().model if base else None


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def _display(value: Any, field, users: dict) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):  # a role's rights: {"account": ["read", …]}
        return (
            "; ".join(
                f"{access.OBJECT_LABELS.get(k, k)}: "
                + ", ".join(str(access.ACTION_LABELS.get(a, a)) for a in v)
                for k, v in value.items()
            )
            or "—"
        )
    if field is not None and field.name == "owner":
        user = users.get(value)
        return user.display_name if user else f"#{value}"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        parsed = parse_datetime(value)
        if isinstance(parsed, datetime):
            return date_format(localtime(parsed), "SHORT_DATETIME_FORMAT")
    if field is not None and field.is_relation:
        return f"#{value}"
    return str(value)


def _user_ids(events) -> set:
    ids = set()
    for event in events:
        owner = (event.changes or {}).get("owner")
        if isinstance(owner, list):
            ids.update(v for v in owner if v is not None)
    return ids


def describe(actor, events) -> list[dict[str, Any]]:
    """Each event as {event, sentence, changes, url}; one query for the owners named."""
    users = users_by_id(actor, _user_ids(events))
    undoable = _undoable(events)
    out = []
    for event in events:
        data = event.data or {}
        changes = event.changes or {}
        model = _model(event.object_type)
        name = (
            event.object_repr or data.get("name") or data.get("subject") or data.get("number")
        ) or "—"
        url = None
        if event.object_id and not event.verb.endswith(".deleted"):
            try:
                url = reverse(DETAIL_URLS[event.object_type], args=[event.object_id])
            except (KeyError, NoReverseMatch):
                url = None
        obj = format_html('<a href="{}">{}</a>', url, name) if url else format_html("{}", name)
        stage = changes.get("stage") or [None, None]
        owner = changes.get("owner") or [None, None]
        kind_field = _field(model, "kind") if event.object_type == "activity" else None
        values = {
            "actor": event.actor.display_name if event.actor else _("System"),
            "object": obj,
            "verb": event.verb,
            "owner": _display(owner[1], _field(model, "owner"), users),
            "old_stage": stage[0] or "—",
            "new_stage": stage[1] or "—",
            "amount": money(data.get("amount"), data.get("currency") or "CNY")
            if data.get("amount") is not None
            else "—",
            "kind": _display(data.get("kind"), kind_field, users).lower()
            if data.get("kind")
            else _("activity"),
        }
        status = (changes.get("status") or [None, None])[1]
        values |= {
            "pool": data.get("pool") or "—",
            "days": data.get("days") or "—",
            "status": _display(status, _field(model, "status"), users) if status else "—",
            "account": data.get("account_name") or "—",
            "to": data.get("to") or "—",
            "merged": data.get("merged_name") or "—",
            "count": data.get("count") if data.get("count") is not None else "—",
            "next": data.get("next") or "—",
        }
        verb = event.verb
        if verb == "quote.sent" and not data.get("to"):
            verb = "quote.sent_by_hand"
        template = str(SENTENCES.get(verb, FALLBACK))
        sentence = format_html(template, **values)
        shown = []
        told = (".assigned", ".stage_changed", ".won", ".lost", ".completed", ".claimed")
        told += (".released", ".pooled", ".reclaimed", ".status_changed")
        if not event.verb.endswith(told):
            for key, pair in changes.items():
                if key in HIDDEN_CHANGES or not isinstance(pair, list) or len(pair) != 2:
                    continue
                field = _field(model, key)
                label = capfirst(field.verbose_name) if field is not None else key
                shown.append(
                    {
                        "label": label,
                        "old": _display(pair[0], field, users),
                        "new": _display(pair[1], field, users),
                    }
                )
        if event.verb == "opportunity.lost" and "lost_reason" in changes:
            shown.append(
                {
                    "label": capfirst(_field(model, "lost_reason").verbose_name),
                    "old": None,
                    "new": _display(changes["lost_reason"][1], None, users),
                }
            )
        if data.get("reason") and event.verb in (
            "lead.status_changed",
            "lead.released",
            "account.released",
            "payment.voided",
            "order.cancelled",
            "contract.terminated",
        ):
            shown.append({"label": _("Reason"), "old": None, "new": data["reason"]})
        if data.get("deal_won") and event.verb == "order.confirmed":
            shown.append({"label": _("Deal"), "old": None, "new": _("Won")})
        if data.get("deal_stays_won") and event.verb == "order.cancelled":
            shown.append({"label": _("Deal"), "old": None, "new": _("Stays won")})
        if data.get("comment") and event.object_type == "quote":
            shown.append({"label": _("Comment"), "old": None, "new": data["comment"]})
        if data.get("rule") and event.verb in ("lead.assigned", "lead.pooled"):
            shown.append({"label": _("Rule"), "old": None, "new": data["rule"]})
        undo = None
        if data.get("merge") in undoable and event.verb.endswith(".merged"):
            undo = reverse("dataio:undo", args=[data["merge"]])
        out.append(
            {"event": event, "sentence": sentence, "changes": shown, "url": url, "undo": undo}
        )
    return out


def _undoable(events) -> set[int]:
    """Merges on these events that can still be undone (one query, only if there are any)."""
    from guanxi.dataio.models import Merge

    ids = [e.data.get("merge") for e in events if e.verb.endswith(".merged") and e.data]
    if not ids:
        return set()
    return set(Merge.objects.filter(pk__in=ids, undone_at=None).values_list("pk", flat=True))
