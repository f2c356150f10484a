""" "Possible duplicates" on an account's and a contact's page, found as the record is shown."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core import access
from guanxi.dataio.dedupe.selectors import possible_duplicates


def _panel(actor, object_type: str, obj) -> dict | None:
    if not access.has_right(actor, object_type, "read"):
        return None
    found = possible_duplicates(actor, object_type, obj)
    if not found:
        return None
    return {
        "key": "duplicates",
        "title": _("Possible duplicates"),
        "template": "dataio/panels/possible.html",
        "context": {
            "object_type": object_type,
            "record": obj,
            "found": found,
            "can_merge": access.has_right(actor, object_type, "delete"),
        },
        "order": 5,
    }


def account_duplicates(actor, account) -> dict | None:
    return _panel(actor, "account", account)


def contact_duplicates(actor, contact) -> dict | None:
    return _panel(actor, "contact", contact)
