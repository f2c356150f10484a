"""What activities contribute to the customer 360° page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.activities import selectors
from guanxi.core import access


def account_figures(actor, account) -> list[dict]:
    if not access.has_right(actor, "activity", "read"):
        return []
    return [
        {
            "label": _("Last contact"),
            "datetime": selectors.account_last_contact(actor, account),
            "key": "last_contact",
        }
    ]


def tasks_panel(actor, account) -> dict | None:
    if not access.has_right(actor, "activity", "read"):
        return None
    return {
        "key": "tasks",
        "title": _("Open tasks"),
        "template": "activities/panels/account_tasks.html",
        "context": {"tasks": selectors.account_open_tasks(actor, account)},
        "order": 30,
    }
