"""What customers contribute to their own 360° page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core import access
from guanxi.customers import selectors


def contacts_panel(actor, account) -> dict | None:
    if not access.has_right(actor, "contact", "read"):
        return None
    return {
        "key": "contacts",
        "title": _("Contacts"),
        "template": "customers/panels/account_contacts.html",
        "context": {"contacts": selectors.account_contacts(actor, account)},
        "order": 10,
    }
