"""What the duplicate finder and the merge need to know of each type of record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from guanxi.core.errors import NotFound
from guanxi.customers import services as customer_services
from guanxi.customers.models import Account, Contact
from guanxi.dataio.dedupe.engine import Row
from guanxi.leads import services as lead_services
from guanxi.leads.models import Lead


@dataclass(frozen=True)
class Kind:
    object_type: str
    model: type[models.Model]
    people: bool  # persons (name + company) rather than companies
    columns: tuple[str, ...]  # read by the finder, ``id`` first
    to_row: Callable[[tuple], Row]
    fields: tuple[str, ...]  # what a merge lets the user choose field by field
    summary: tuple[str, ...]  # shown side by side in a duplicate group
    update: Callable[..., Any]  # the domain's update service


def _contact_row(r: tuple) -> Row:
    return Row(r[0], r[1], r[2] or "", (r[3], r[4]), r[5])


KINDS: dict[str, Kind] = {
    "account": Kind(
        "account",
        Account,
        people=False,
        columns=("id", "name", "phone", "email"),
        to_row=lambda r: Row(r[0], "", r[1], (r[2],), r[3]),
        fields=tuple(f for f in customer_services.ACCOUNT_FIELDS if f != "tags"),
        summary=("name", "phone", "email", "city", "owner"),
        update=lambda *, actor, obj, data: customer_services.account_update(
            actor=actor, account=obj, data=data
        ),
    ),
    "contact": Kind(
        "contact",
        Contact,
        people=True,
        columns=("id", "name", "account__name", "mobile", "phone", "email"),
        to_row=_contact_row,
        fields=tuple(f for f in customer_services.CONTACT_FIELDS if f != "tags"),
        summary=("name", "account", "mobile", "email", "owner"),
        update=lambda *, actor, obj, data: customer_services.contact_update(
            actor=actor, contact=obj, data=data
        ),
    ),
    "lead": Kind(
        "lead",
        Lead,
        people=True,
        columns=("id", "name", "company", "mobile", "phone", "email"),
        to_row=_contact_row,
        fields=tuple(f for f in lead_services.LEAD_FIELDS if f not in ("utm",)),
        summary=("name", "company", "mobile", "email", "status", "owner"),
        update=lambda *, actor, obj, data: lead_services.lead_update(
            actor=actor, lead=obj, data=data
        ),
    ),
}


def kind_of(object_type: str) -> Kind:
    try:
        return KINDS[object_type]
    except KeyError:
        raise NotFound() from None
