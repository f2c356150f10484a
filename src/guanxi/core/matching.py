"""Keys and scores for telling whether two records name the same person or company.

Shared by the duplicate check when a lead comes in (``leads.matching``) and the duplicate
finder over the whole database (``dataio.dedupe``). Every function here is pure and cheap:
the finder calls them a few million times.

- ``company_key``: a company name without legal suffixes (有限公司, Co., Ltd.), punctuation or
  the leading place of registration (杭州…).
- ``name_key``: a person's name as sorted lower-case pinyin/Latin syllables, so 张伟, Zhang Wei
  and "Wei ZHANG" share one key.
- ``phone_key`` / ``email_key``: what is left of a phone number or an address once formatting
  (+86, spaces, dashes, case) is taken away.
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

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


_PLACE_FORMS = frozenset(form for p in _PLACES for form in (p + "市", p + "省", p))
_PLACE_LONGEST = max(map(len, _PLACE_FORMS))


def company_words(name: str) -> str:
    """The words that tell a company apart, without its place and legal form:
    ``杭州鑫盛食品有限公司`` → ``鑫盛食品``; ``Acme Foods Co., Ltd.`` → ``acme foods``.

    ``鑫盛食品（杭州）有限公司`` keeps its place (``鑫盛食品 杭州``): often a branch company,
    similar to the parent by ``similarity`` but not the same key."""
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
        # The longest place form the name starts with (a set lookup per length: the finder
        # keys a few hundred thousand names, and trying every place was most of its time).
        rest = len(words.replace(" ", ""))
        for size in range(min(_PLACE_LONGEST, rest - 3), 1, -1):
            if words[:size] in _PLACE_FORMS:
                words = words[size:].strip()
                break
        else:
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


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
_pinyin_cache: dict[str, str] = {}


def _char_pinyin(ch: str) -> str:
    # One reading per character (names are read character by character), cached: a million
    # names use a few thousand distinct characters.
    value = _pinyin_cache.get(ch)
    if value is None:
        value = lazy_pinyin(ch, style=Style.NORMAL)[0].lower()
        _pinyin_cache[ch] = value
    return value


def name_words(name: str) -> list[str]:
    """A name as the words it is written with in Latin letters: ``张凯浩`` → ``["zhang",
    "kaihao"]`` (surname, then the given name in one word, as pinyin is written);
    ``Kaihao  ZHANG`` → ``["kaihao", "zhang"]``."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    if _CJK.search(text):
        syllables = [_char_pinyin(ch) for ch in text if _CJK.match(ch)]
        return [syllables[0], "".join(syllables[1:])] if len(syllables) > 1 else syllables
    return _LATIN_WORDS.findall(text)


def name_key(name: str) -> str:
    """The words of a name, sorted: the same for 张伟, Zhang Wei and WEI Zhang."""
    return " ".join(sorted(name_words(name)))


def name_initials(name: str) -> str:
    """First letters of the sorted words (``张伟`` → ``wz``): survives most typos."""
    return "".join(s[0] for s in sorted(name_words(name)))


def name_similarity(a: str, b: str) -> int:
    """0–100 between two ``name_key`` values (order and script already taken away)."""
    if not a or not b:
        return 0
    return round(fuzz.ratio(a, b))


_NOT_DIGITS = re.compile(r"\D+")


def phone_key(value: str) -> str:
    """Digits of a phone number without the international prefix and China's code:
    ``+86 138-0013-8000``, ``0086 13800138000`` and ``13800138000`` give one key."""
    digits = _NOT_DIGITS.sub("", value or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    return digits if len(digits) >= 6 else ""


def email_key(value: str) -> str:
    return (value or "").strip().casefold()
