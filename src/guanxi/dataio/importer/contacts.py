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
from guanxi.dataio.importer.adapters import Adapter, Context, Outcome, Plan, without_refused

TOKENS = "_tokens"
DUPLICATE_KEYS = ("email", "mobile")


class ContactAdapter(Adapter):
    duplicate_keys = DUPLICATE_KEYS
    pipelined = True

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

    def plan(self, ctx: Context, batch: list, pending: dict[str, set] | None = None) -> Plan:
        outcome = Outcome()
        good = self.prepare(ctx, batch, outcome)
        lookups: set = set()
        matches = self.match(ctx, good, outcome, lookups)
        good = without_refused(good, outcome)
        creates = [g for g in good if g[0] not in matches]
        keys = self._skip_duplicates(ctx, creates, outcome, pending or {})
        creates = without_refused(creates, outcome)
        if ctx.key and ctx.key != "id" and ctx.key not in keys:  # e.g. upserts by phone
            keys[ctx.key] = {d[ctx.key] for _r, d, _e, _c in creates if d.get(ctx.key)}
        fast = [g for g in creates if "tags" not in g[1]]
        tagged = {g[0] for g in creates if "tags" in g[1]}
        slow = [g for g in good if g[0] in matches or g[0] in tagged]
        for _row, data, _e, _c in slow:
            data.pop(TOKENS, None)
        return Plan(
            outcome,
            rows=slow,
            matches=matches,
            new=self._values(ctx, fast),
            keys=keys,
            lookups=lookups,
            missed_ids=self.missed_ids(ctx, lookups, matches),
        )

    def apply(self, ctx: Context, plan: Plan) -> Outcome:
        self._insert(plan)
        self.apply_rows(ctx, plan.rows, plan.matches, plan.outcome)
        return plan.outcome

    def _skip_duplicates(
        self, ctx: Context, creates: list, outcome: Outcome, pending: dict[str, set]
    ) -> dict[str, set]:
        """A new contact whose email or mobile is already a contact's (or an earlier row's
        of this file, ``pending`` included) is skipped: checked by batch against the indexed
        columns. Returns the values the batch's new contacts hold."""
        existing = {
            name: bulk.existing(
                Contact._meta.db_table,
                name,
                ctx.actor.organisation_id,
                list({d[name] for _r, d, _e, _c in creates if d.get(name)}),
            )
            for name in DUPLICATE_KEYS
        }
        taken: dict[str, set] = {name: set() for name in DUPLICATE_KEYS}
        messages = {
            "email": _("A contact with this email exists already."),
            "mobile": _("A contact with this mobile number exists already."),
        }
        for name, values in pending.items():
            if name in existing:
                existing[name] = existing[name] | values
        for row, data, _e, raw in creates:
            for name in DUPLICATE_KEYS:
                value = data.get(name)
                if value and (value in existing[name] or value in taken[name]):
                    outcome.issue(row, name, messages[name], raw, skipped=True)
                    break
            else:
                for name in DUPLICATE_KEYS:
                    if data.get(name):
                        taken[name].add(data[name])
        return taken

    def _values(self, ctx: Context, rows: list) -> list[tuple[int, tuple]]:
        """(row, the new contact's column values but its id) for each row of the fast path."""
        if not rows:
            return []
        actor = ctx.actor
        owner = choose_owner(actor, ctx.owner)
        now = timezone.now()
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
            for f in _FIELDS
            if f.get_internal_type() in ("DateField", "DateTimeField") and f.name not in fixed
        }
        for name in ("created_at", "updated_at"):
            fixed[name] = Contact._meta.get_field(name).get_db_prep_save(now, connection)
        defaults = {
            f.name: f.get_default() if f.has_default() else (None if f.null else "")
            for f in _FIELDS
        }
        names = [f.name for f in _FIELDS]
        consent_at = dates["consent_at"].get_db_prep_save(now, connection)
        out = []
        for row, data, _e, _c in rows:
            values = {**defaults, **data, **fixed, "search_tokens": data[TOKENS]}
            for name, f in dates.items():
                if values[name] is not None:
                    values[name] = f.get_db_prep_save(values[name], connection)
            if values["marketing_consent"]:
                values["consent_at"] = consent_at
            out.append((row, tuple(values[n] for n in names)))
        return out

    def _insert(self, plan: Plan) -> None:
        if not plan.new:
            return
        table = Contact._meta.db_table
        ids = bulk.reserve_ids(table, len(plan.new))
        tuples = []
        runs = plan.outcome.runs
        for pk, (row, values) in zip(ids, plan.new, strict=True):
            tuples.append((pk, *values))
            if runs and runs[-1][2] == pk - 1:
                runs[-1] = (runs[-1][0], runs[-1][1], pk)
            else:  # ids reserved while others insert may have gaps
                runs.append((row, pk, pk))
        columns = [Contact._meta.pk.column, *(f.column for f in _FIELDS)]
        with (
            connection.cursor() as cursor,
            search.indexed_in_bulk(cursor, connection.vendor, table, ids[0], ids[-1]),
        ):
            bulk.insert(table, columns, tuples)
        plan.outcome.created += len(tuples)


# The columns a new contact's values are given for, in order: every one but the id.
_FIELDS = [f for f in Contact._meta.concrete_fields if not f.primary_key]


def _token_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: data.get(name, "") for name in ("name", "email", "wechat_id", "title", "mobile")
    } | {"phone": data.get("phone", "")}
