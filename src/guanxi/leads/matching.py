"""Finding the records a new lead may duplicate: same phone, same email, similar company.

Phones and emails are compared in their normalised form (E.164, lower case) on indexed
columns; company names by a key without legal suffixes (有限公司, Co., Ltd.) and punctuation,
first narrowed through the search index, then scored with rapidfuzz.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from guanxi.core.matching import COMPANY_SIMILARITY, company_key, similarity
from guanxi.core.search import parse_query, search
from guanxi.customers.models import Account, Contact


def find_matches(lead, *, limit: int = 5) -> list[tuple[str, int, str, int]]:
    """``(object_type, id, reason, similarity)`` of the records this lead may duplicate."""
    from guanxi.leads.models import Lead

    org = lead.organisation_id
    found: dict[tuple[str, int, str], int] = {}
    phones = [p for p in {lead.mobile, lead.phone} if p]
    same = Q(mobile__in=phones) if phones else Q(pk__in=[])
    if lead.email:
        same |= Q(email=lead.email)
    if phones or lead.email:
        # One query per table; each side of the OR is an index search.
        for object_type, qs in (
            ("lead", Lead.objects.filter(organisation_id=org).exclude(pk=lead.pk)),
            ("contact", Contact.objects.filter(organisation_id=org)),
        ):
            for pk, mobile, email in qs.filter(same).values_list("pk", "mobile", "email")[
                : limit * 2
            ]:
                if mobile and mobile in phones:
                    found[(object_type, pk, "phone")] = 100
                if lead.email and email == lead.email:
                    found[(object_type, pk, "email")] = 100
    key = company_key(lead.company)
    if len(key) >= 2:
        for pk, name in company_candidates(org, key):
            score = similarity(key, company_key(name))
            if score >= COMPANY_SIMILARITY:
                found[("account", pk, "company")] = score
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(t, pk, reason, score) for (t, pk, reason), score in ranked[: limit * 3]]


def company_candidates(organisation_id: int, key: str, limit: int = 20) -> list[tuple[int, str]]:
    """Accounts whose names hold every term of ``key``: at most ``limit``, found through
    the search index and stopping there, however common the terms (食品, 贸易)."""
    if connection.vendor == "sqlite":
        terms = parse_query(key)
        if not terms:
            return []
        match = " ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in terms)
        sql = (
            'SELECT rowid FROM "customers_account_fts" WHERE "customers_account_fts" MATCH %s '
            "LIMIT %s"
        )
        ids = RawSQL(sql, [match, limit * 5])  # noqa: S611 (constant SQL, values as parameters)
        qs = Account.objects.filter(organisation_id=organisation_id, pk__in=ids)
    else:
        qs = search(Account.objects.filter(organisation_id=organisation_id), key).order_by()
    return list(qs.values_list("pk", "name")[:limit])
