"""Finding the records a new lead may duplicate: same phone, same email, similar company.

Phones and emails are compared in their normalised form (E.164, lower case) on indexed
columns; company names by a key without legal suffixes (有限公司, Co., Ltd.) and punctuation,
first narrowed through the search index, then scored with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q
from rapidfuzz import fuzz

from guanxi.core.search import search
from guanxi.customers.models import Account, Contact

COMPANY_SIMILARITY = 85  # percent; below this a company name is not called similar

_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "集团",
    "公司",
    "corporation",
    "company",
    "limited",
    "co ltd",
    "co",
    "ltd",
    "inc",
    "llc",
    "corp",
    "gmbh",
    "plc",
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def company_key(name: str) -> str:
    """``杭州鑫盛食品有限公司`` → ``杭州鑫盛食品``; ``Acme Foods Co., Ltd.`` → ``acmefoods``."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"[()（）\[\]【】]", " ", text)
    words = _PUNCT.sub(" ", text).strip()
    changed = True
    while changed and words:
        changed = False
        for suffix in _SUFFIXES:
            if words == suffix:
                break
            if words.endswith(" " + suffix) or (
                not suffix.isascii() and words.endswith(suffix) and len(words) > len(suffix)
            ):
                words = words[: -len(suffix)].strip()
                changed = True
    return words.replace(" ", "")


def similarity(a: str, b: str) -> int:
    """0–100: how alike two company keys are (a name inside the other counts as alike)."""
    if not a or not b:
        return 0
    score = fuzz.ratio(a, b)
    if min(len(a), len(b)) >= 4:
        score = max(score, fuzz.partial_ratio(a, b))
    return round(score)


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
        candidates = search(Account.objects.filter(organisation_id=org), key).order_by()
        for pk, name in candidates.values_list("pk", "name")[:20]:
            score = similarity(key, company_key(name))
            if score >= COMPANY_SIMILARITY:
                found[("account", pk, "company")] = score
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(t, pk, reason, score) for (t, pk, reason), score in ranked[: limit * 3]]
