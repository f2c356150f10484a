"""Finding the records a new lead may duplicate: same phone, same email, similar company.

Phones and emails are compared in their normalised form (E.164, lower case) on indexed
columns; company names by a key without legal suffixes (有限公司, Co., Ltd.) and punctuation,
first narrowed through the search index, then scored with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz

from guanxi.core.search import parse_query, search
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
# Chinese company names start with where they are registered (杭州鑫盛食品有限公司); the same
# company is often written without it, so the place is not part of the key.
_PLACES = tuple(
    sorted(
        [
            "北京",
            "天津",
            "上海",
            "重庆",
            "河北",
            "山西",
            "辽宁",
            "吉林",
            "黑龙江",
            "江苏",
            "浙江",
            "安徽",
            "福建",
            "江西",
            "山东",
            "河南",
            "湖北",
            "湖南",
            "广东",
            "海南",
            "四川",
            "贵州",
            "云南",
            "陕西",
            "甘肃",
            "青海",
            "台湾",
            "内蒙古",
            "广西",
            "西藏",
            "宁夏",
            "新疆",
            "香港",
            "澳门",
            "石家庄",
            "太原",
            "沈阳",
            "大连",
            "长春",
            "哈尔滨",
            "南京",
            "苏州",
            "无锡",
            "常州",
            "南通",
            "杭州",
            "宁波",
            "温州",
            "绍兴",
            "嘉兴",
            "金华",
            "台州",
            "合肥",
            "福州",
            "厦门",
            "泉州",
            "南昌",
            "济南",
            "青岛",
            "烟台",
            "潍坊",
            "郑州",
            "洛阳",
            "武汉",
            "长沙",
            "广州",
            "深圳",
            "东莞",
            "佛山",
            "珠海",
            "中山",
            "汕头",
            "惠州",
            "海口",
            "三亚",
            "成都",
            "绵阳",
            "贵阳",
            "昆明",
            "西安",
            "兰州",
            "西宁",
            "银川",
            "乌鲁木齐",
            "呼和浩特",
            "南宁",
            "桂林",
            "拉萨",
            "义乌",
            "昆山",
            "徐州",
            "扬州",
            "芜湖",
        ],
        key=len,
        reverse=True,
    )
)


def company_key(name: str) -> str:
    """``杭州鑫盛食品有限公司`` → ``鑫盛食品``; ``Acme Foods Co., Ltd.`` → ``acmefoods``."""
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
    key = words.replace(" ", "")
    for _round in range(2):  # 浙江杭州… : a province, then a city
        for place in _PLACES:
            for form in (place + "市", place + "省", place):
                if key.startswith(form) and len(key) - len(form) >= 3:
                    key = key[len(form) :]
                    break
            else:
                continue
            break
    return key


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
