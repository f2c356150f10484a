"""Extension points where a domain plugs into core without core importing it.

- ``organisation_setup``: functions run inside ``organisation_create``'s transaction, so a new
  organisation is complete at once (sales adds its default pipeline).
- ``account_panels``: panels on the customer 360° page, each a function
  ``(actor, account) -> dict(title, template, context, order)`` (like Odoo's smart buttons).
- ``account_figures``: key figures in the 360° header, ``(actor, account) -> list[dict]``.
- ``account_actions``: entries of the 360° page's "More" menu,
  ``(actor, account) -> list[dict(label, url)]`` (each a page of the domain that offers it).
- ``contact_panels``: panels on a contact's page, ``(actor, contact) -> dict | None``.
- ``file_import``: the import engine (dataio), ``(actor=, object_type=, raw=, file_name=,
  owner=) -> job``, for domains with an upload of their own (the leads import page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

organisation_setup: list[Callable[[Any], None]] = []
account_panels: list[Callable[[Any, Any], dict | None]] = []
account_figures: list[Callable[[Any, Any], list[dict]]] = []
account_actions: list[Callable[[Any, Any], list[dict]]] = []
contact_panels: list[Callable[[Any, Any], dict | None]] = []

# object type -> function returning the base queryset of that type, so core can check
# visibility of records it only knows by (type, id), as on timelines.
object_querysets: dict[str, Callable[[], Any]] = {}

file_import: dict[str, Callable[..., Any]] = {}
