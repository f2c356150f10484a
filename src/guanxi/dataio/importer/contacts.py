"""Contacts, imported by the million: the fast path.

Each row is cleaned by the contact service's own cleaning (``contact_clean``: text tidied,
phones in E.164, email lower-cased) and checked against the model's field rules in a worker
process, with its search tokens computed there too. The job then checks a whole batch for
duplicates by email and mobile — two indexed ``IN`` lookups, never a query per row — and
writes the new contacts as tuples (``executemany`` / ``COPY``). Updates, and rows with
tags, go through ``contact_update`` / ``contact_create`` one by one.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import search
from guanxi.core.records import choose_owner
from guanxi.customers.models import Contact
from guanxi.customers.services import contact_clean, contact_tokens
from guanxi.dataio.importer import bulk
from guanxi.dataio.importer import fields as cells
from guanxi.dataio.importer.adapters import Adapter, Context, Outcome, without_refused

TOKENS = "_tokens"
DUPLICATE_KEYS = ("email", "mobile")


class ContactAdapter(Adapter):
    duplicate_keys = DUPLICATE_KEYS

    def clean(self, data: dict[str, str]) -> dict[str, Any]:
        data = {k: v for k, v in data.items() if v.strip() or k in self.required}
        key_id = data.pop("id", None)
        typed = cells.coerce(self.model, data)
        cleaned, tags = contact_clean(typed)
        cells.check(self.model, cleaned, self.required)
        if tags is not None:
            cleaned["tags"] = tags
        cleaned[TOKENS] = contact_tokens(SimpleNamespace(**_token_fields(cleaned)))
        if key_id is not None:
            cleaned["id"] = key_id
        return cleaned

    def write(self, ctx: Context, batch: list) -> Outcome:
        outcome = Outcome()
        good = self.prepare(ctx, batch, outcome)
        matches = self.match(ctx, good, outcome)
        good = without_refused(good, outcome)
        creates = [g for g in good if g[0] not in matches]
        self._skip_duplicates(ctx, creates, outcome)
        creates = without_refused(creates, outcome)
        fast = [g for g in creates if "tags" not in g[1]]
        tagged = {g[0] for g in creates if "tags" in g[1]}
        slow = [g for g in good if g[0] in matches or g[0] in tagged]
        for _row, data, _e, _c in slow:
            data.pop(TOKENS, None)
        self._insert(ctx, fast, outcome)
        self.apply_rows(ctx, slow, matches, outcome)
        return outcome

    def _skip_duplicates(self, ctx: Context, creates: list, outcome: Outcome) -> None:
        """A new contact whose email or mobile is already a contact's (or an earlier row's
        of this file) is skipped: checked by batch against the indexed columns."""
        existing = {
            name: bulk.existing(
                Contact._meta.db_table,
                name,
                ctx.actor.organisation_id,
                list({d[name] for _r, d, _e, _c in creates if d.get(name)}),
            )
            for name in DUPLICATE_KEYS
        }
        messages = {
            "email": _("A contact with this email exists already."),
            "mobile": _("A contact with this mobile number exists already."),
        }
        for row, data, _e, raw in creates:
            for name in DUPLICATE_KEYS:
                value = data.get(name)
                if value and value in existing[name]:
                    outcome.issue(row, name, messages[name], raw, skipped=True)
                    break
            else:
                for name in DUPLICATE_KEYS:
                    if data.get(name):
                        existing[name].add(data[name])

    def _insert(self, ctx: Context, rows: list, outcome: Outcome) -> None:
        if not rows:
            return
        actor = ctx.actor
        owner = choose_owner(actor, ctx.owner)
        now = timezone.now()
        fields = list(Contact._meta.concrete_fields)
        fixed: dict[str, Any] = {
            "organisation": actor.organisation_id,
            "created_at": now,
            "created_by": actor.pk,
            "updated_at": now,
            "updated_by": actor.pk,
            "version": 1,
            "owner": owner.pk,
        }
        dates = {
            f.name: f
            for f in fields
            if f.get_internal_type() in ("DateField", "DateTimeField") and f.name not in fixed
        }
        for name in ("created_at", "updated_at"):
            fixed[name] = Contact._meta.get_field(name).get_db_prep_save(now, connection)
        defaults = {
            f.name: f.get_default() if f.has_default() else (None if f.null else "") for f in fields
        }
        names = [f.name for f in fields]
        ids = bulk.reserve_ids(Contact._meta.db_table, len(rows))
        consent_at = dates["consent_at"].get_db_prep_save(now, connection)
        tuples = []
        for pk, (row, data, _e, _c) in zip(ids, rows, strict=True):
            values = {**defaults, **data, **fixed, "id": pk, "search_tokens": data[TOKENS]}
            for name, f in dates.items():
                if values[name] is not None:
                    values[name] = f.get_db_prep_save(values[name], connection)
            if values["marketing_consent"]:
                values["consent_at"] = consent_at
            tuples.append(tuple(values[n] for n in names))
            outcome.written.append((row, pk, True, None))
        table = Contact._meta.db_table
        with (
            connection.cursor() as cursor,
            search.indexed_in_bulk(cursor, connection.vendor, table, ids[0], ids[-1]),
        ):
            bulk.insert(table, [f.column for f in fields], tuples)
        outcome.created += len(tuples)


def _token_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: data.get(name, "") for name in ("name", "email", "wechat_id", "title", "mobile")
    } | {"phone": data.get("phone", "")}
