"""Finding the records a new lead may duplicate: same phone, same email, similar company.

Phones and emails are compared in their normalised form (E.164, lower case) on indexed
columns; company names by a key without legal suffixes (有限公司, Co., Ltd.) and punctuation,
first narrowed through the search index, then scored with rapidfuzz.
"""

from __future__ import annotations

from django.db import connection

from guanxi.core.matching import COMPANY_SIMILARITY, company_key, company_words, similarity
from guanxi.core.search import parse_query
from guanxi.customers.models import Account, Contact


def find_matches(lead, *, limit: int = 5) -> list[tuple[str, int, str, int]]:
    """``(object_type, id, reason, similarity)`` of the records this lead may duplicate.

    One statement whatever is checked: leads and contacts with the same mobile, the same
    email (each an arm of its own, an index search on that column alone), and accounts whose
    names hold every word of the lead's company (through the search index), at most a few
    of each. One arm per key, not ``mobile IN (…) OR email = …``: SQLite reads an OR from
    one index only when its statistics say the table is large, and a leads table that grew
    since it was last analysed would be read lead by lead at every new lead.
    """
    from guanxi.leads.models import Lead

    org = lead.organisation_id
    phones = sorted({p for p in (lead.mobile, lead.phone) if p})
    keys = []
    if phones:
        keys.append(("mobile", f"mobile IN ({', '.join(['%s'] * len(phones))})", phones))
    if lead.email:
        keys.append(("email", "email = %s", [lead.email]))
    parts: list[str] = []
    params: list = []
    for kind, model in (("lead", Lead), ("contact", Contact)):
        table = connection.ops.quote_name(model._meta.db_table)
        other = " AND id <> %s" if kind == "lead" and lead.pk else ""
        for name, condition, values in keys:
            parts.append(
                f"SELECT * FROM (SELECT '{kind}' AS kind, id, mobile AS a, email AS b "  # noqa: S608
                f"FROM {table} WHERE organisation_id = %s AND {condition}{other} "
                f"LIMIT %s) AS {kind}_{name}"
            )
            params += [org, *values, *([lead.pk] if other else []), limit * 2]
    words = company_words(lead.company)
    key = words.replace(" ", "")
    if len(key) >= 2:
        found_sql = _company_sql(words)
        if found_sql:
            table = connection.ops.quote_name(Account._meta.db_table)
            parts.append(
                f"SELECT * FROM (SELECT 'account' AS kind, id, name AS a, '' AS b "  # noqa: S608
                f"FROM {table} WHERE organisation_id = %s AND {found_sql[0]} LIMIT %s) AS named"
            )
            params += [org, *found_sql[1], COMPANY_CANDIDATES]
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    found: dict[tuple[str, int, str], int] = {}
    for kind, pk, a, b in rows:
        if kind == "account":
            score = similarity(key, company_key(a))
            if score >= COMPANY_SIMILARITY:
                found[("account", pk, "company")] = score
            continue
        if a and a in phones:
            found[(kind, pk, "phone")] = 100
        if lead.email and b == lead.email:
            found[(kind, pk, "email")] = 100
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(t, pk, reason, score) for (t, pk, reason), score in ranked[: limit * 3]]


# At most this many accounts are scored for a company name, however common its words.
COMPANY_CANDIDATES = 20


def _company_sql(words: str) -> tuple[str, list] | None:
    """A condition on accounts: the name holds every word (whole words, not prefixes — a
    duplicate is the same name, and a prefix term costs PostgreSQL a scan of every word it
    begins)."""
    terms = parse_query(words)
    if not terms:
        return None
    table = Account._meta.db_table
    if connection.vendor == "sqlite":
        match = " ".join(f'"{t.text}"' for t in terms)
        fts = f'"{table}_fts"'
        return f"id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s LIMIT %s)", [  # noqa: S608
            match,
            COMPANY_CANDIDATES * 5,
        ]
    tsquery = " & ".join(f"'{t.text}'" for t in terms)
    return "to_tsvector('simple', search_tokens) @@ to_tsquery('simple', %s)", [tsquery]


def company_candidates(organisation_id: int, name: str) -> list[tuple[int, str]]:
    """``(id, name)`` of accounts whose names hold every word that tells ``name`` apart
    (place and legal form left out): a few at most, straight from the search index."""
    found = _company_sql(company_words(name))
    if found is None:
        return []
    table = connection.ops.quote_name(Account._meta.db_table)
    sql = f"SELECT id, name FROM {table} WHERE organisation_id = %s AND {found[0]} LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [organisation_id, *found[1], COMPANY_CANDIDATES])
        return [(pk, account_name) for pk, account_name in cursor.fetchall()]
