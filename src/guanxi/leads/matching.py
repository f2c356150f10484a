"""Finding the records a new lead may duplicate: same phone, same email, similar company.

Phones and emails are compared in their normalised form (E.164, lower case) on indexed
columns; company names by a key without legal suffixes (有限公司, Co., Ltd.) and punctuation,
first narrowed through the search index, then scored with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from rapidfuzz import fuzz

from guanxi.core.search import parse_query
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


def company_words(name: str) -> str:
    """The words that tell a company apart, without its place and legal form:
    ``杭州鑫盛食品有限公司`` → ``鑫盛食品``; ``Acme Foods Co., Ltd.`` → ``acme foods``."""
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
    for _round in range(2):  # 浙江杭州… : a province, then a city
        for place in _PLACES:
            for form in (place + "市", place + "省", place):
                if words.startswith(form) and len(words.replace(" ", "")) - len(form) >= 3:
                    words = words[len(form) :].strip()
                    break
            else:
                continue
            break
    return words


def company_key(name: str) -> str:
    """``杭州鑫盛食品有限公司`` → ``鑫盛食品``; ``Acme Foods Co., Ltd.`` → ``acmefoods``."""
    return company_words(name).replace(" ", "")


def similarity(a: str, b: str) -> int:
    """0–100: how alike two company keys are (a name inside the other counts as alike)."""
    if not a or not b:
        return 0
    score = fuzz.ratio(a, b)
    if min(len(a), len(b)) >= 4:
        score = max(score, fuzz.partial_ratio(a, b))
    return round(score)


def find_matches(lead, *, limit: int = 5) -> list[tuple[str, int, str, int]]:
    """``(object_type, id, reason, similarity)`` of the records this lead may duplicate.

    One statement whatever is checked: leads and contacts with the same mobile or email
    (each side of the OR an index search), and accounts whose names hold every word of the
    lead's company (through the search index), at most a few of each.
    """
    from guanxi.leads.models import Lead

    org = lead.organisation_id
    phones = sorted({p for p in (lead.mobile, lead.phone) if p})
    parts: list[str] = []
    params: list = []
    if phones or lead.email:
        same = []
        if phones:
            same.append(f"mobile IN ({', '.join(['%s'] * len(phones))})")
        if lead.email:
            same.append("email = %s")
        values = [*phones, *([lead.email] if lead.email else [])]
        for kind, model in (("lead", Lead), ("contact", Contact)):
            table = connection.ops.quote_name(model._meta.db_table)
            other = " AND id <> %s" if kind == "lead" and lead.pk else ""
            parts.append(
                f"SELECT * FROM (SELECT '{kind}' AS kind, id, mobile AS a, email AS b "  # noqa: S608
                f"FROM {table} WHERE organisation_id = %s AND ({' OR '.join(same)}){other} "
                f"LIMIT %s) AS {kind}_same"
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
