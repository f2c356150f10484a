"""Reactions to lead events: the new owner of a lead hears about it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.models import Event, User
from guanxi.core.notifications import notify


def notify_new_owner(event: Event) -> None:
    """A lead assigned to someone (by the rules or by another person) is announced to them."""
    owner_change = (event.changes or {}).get("owner") or [None, None]
    owner_id = owner_change[1]
    if owner_id is None or owner_id == event.actor_id:
        return
    lead = getattr(event, "subject", None)
    if lead is not None and lead.owner_id == owner_id:
        owner = lead.owner  # as the assignment holds it: no second read
    else:
        owner = User.objects.filter(pk=owner_id).select_related("organisation").first()
    if owner is None or owner.organisation_id != event.organisation_id:
        return
    name = event.object_repr or f"#{event.object_id}"
    notify(
        owner,
        "lead.assigned",
        lambda: _("New lead for you: %(name)s") % {"name": name},
        url=reverse("leads:lead_detail", args=[event.object_id]),
    )
