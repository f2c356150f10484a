"""A labelled set for the duplicate finder: accounts and contacts, some entered twice.

``generate(n)`` makes about ``n`` contacts (half Chinese, half Latin names) working at a fifth
as many accounts. A share of the people and companies appear again as *duplicates*, each
with one to three realistic corruptions:

- a typo (a letter dropped, doubled or swapped; for a Chinese name a character of the same
  sound, as a pinyin keyboard gives);
- first and last name swapped; a Chinese name written in pinyin (Zhang Wei, Wei ZHANG);
- a missing mobile, email or company (never all three: a person known only by name is not
  one anybody could tell apart);
- the mobile written another way (+86 138 0013 8000, 138-0013-8000, 0086…);
- the email in other case;
- the company under another legal suffix or without its city (杭州鑫盛食品有限公司 /
  鑫盛食品有限公司 / 鑫盛食品（杭州）有限公司, Acme Foods Co., Ltd. / ACME FOODS LIMITED).

Hard negatives come for free: common names (张伟, 王芳) and trade names (鑫盛食品 in several
cities) belong to different people and companies. Every record carries the id of the real
person or company it stands for, so precision and recall can be counted over pairs.
Used by the tests (small sets) and ``benchmarks/dedupe.py`` (a million contacts).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import combinations

from guanxi.demo import data as d

CN_SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司", "商贸有限公司", "公司"]
EN_SUFFIXES = ["Co., Ltd.", "Limited", "Ltd", "Inc.", "Company Limited", "Co Ltd"]
EN_WORDS = ["Foods", "Trading", "Snacks", "Supply", "Import", "Distribution", "Market", "Goods"]
EN_BRANDS = [
    "Golden",
    "Pacific",
    "Harbor",
    "Summit",
    "Maple",
    "Silver",
    "Evergreen",
    "Lotus",
    "Jade",
    "Phoenix",
    "Crown",
    "Orchid",
    "Sunrise",
    "Bamboo",
    "Dragon",
    "Willow",
    "Atlas",
    "Cedar",
    "Coral",
    "Falcon",
]
EN_BRANDS2 = ["Bites", "Leaf", "River", "Star", "Bridge", "Peak", "Field", "Gate", "Way", "Hill"]
INDUSTRY = ["食品", "贸易", "商贸", "食品贸易", "副食品", "供应链", "零食", "饮料", "粮油", "果业"]
FREEMAIL = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com"]


@dataclass
class Labelled:
    # (id, name, phone, email)
    accounts: list[tuple[int, str, str, str]] = field(default_factory=list)
    account_entity: list[int] = field(default_factory=list)
    # (id, name, account_id or None, mobile, email)
    contacts: list[tuple[int, str, int | None, str, str]] = field(default_factory=list)
    contact_entity: list[int] = field(default_factory=list)


def true_pairs(ids, entities) -> set[tuple[int, int]]:
    """Pairs of record ids that stand for the same entity."""
    by_entity: dict[int, list[int]] = {}
    for rid, entity in zip(ids, entities, strict=True):
        by_entity.setdefault(entity, []).append(rid)
    return {
        (a, b) for group in by_entity.values() if len(group) > 1 for a, b in combinations(group, 2)
    }


def found_pairs(clusters) -> set[tuple[int, int]]:
    return {(a, b) for c in clusters for a, b in combinations(sorted(c.members), 2)}


def quality(found: set, truth: set) -> dict[str, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": len(truth)}


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.surnames = [s[:2] for s in d.SURNAMES]
        self.surname_weights = [s[2] if len(s) > 2 else 3 for s in d.SURNAMES]
        self.given = d.GIVEN_MALE + d.GIVEN_FEMALE
        self.homophones: dict[str, list[str]] = {}
        for ch, py in self.given:
            self.homophones.setdefault(py, []).append(ch)
        self.cities = [c for cities in d.CN_CITIES.values() for c in cities]
        self.latin_first = d.LATIN_FIRST_MALE + d.LATIN_FIRST_FEMALE
        self.serial = 0

    def unique(self) -> int:
        self.serial += 1
        return self.serial

    # --- originals ---------------------------------------------------------------------------

    def company(self) -> tuple[str, str]:
        """(name, email domain)."""
        rng = self.rng
        n = self.unique()
        if rng.random() < 0.75:
            b1, b2 = rng.choice(d.BRAND_FIRST), rng.choice(d.BRAND_SECOND)
            city = rng.choice(self.cities)
            name = f"{city[1]}{b1[0]}{b2[0]}{rng.choice(INDUSTRY)}{rng.choice(CN_SUFFIXES)}"
            return name, f"{b1[1]}{b2[1]}{n}.com"
        brand = f"{rng.choice(EN_BRANDS)} {rng.choice(EN_BRANDS2)}"
        name = f"{brand} {rng.choice(EN_WORDS)} {rng.choice(EN_SUFFIXES)}"
        return name, f"{brand.replace(' ', '').lower()}{n}.com"

    def mobile(self) -> str:
        return f"+86{self.rng.choice(d.CN_MOBILE_PREFIXES)}{self.unique() % 10**8:08d}"

    def person(self, domain: str) -> tuple[str, str, str, list[str]]:
        """(name, mobile, email, syllables) — syllables for pinyin variants, Chinese only."""
        rng = self.rng
        n = self.unique()
        if rng.random() < 0.5:
            surname = rng.choices(self.surnames, self.surname_weights)[0]
            given = [rng.choice(self.given) for _ in range(rng.choice((1, 2, 2)))]
            name = surname[0] + "".join(g[0] for g in given)
            syllables = [surname[1]] + [g[1] for g in given]
            local = "".join(syllables) + str(n % 1000)
        else:
            first, last = rng.choice(self.latin_first), rng.choice(d.LATIN_LAST)
            name, syllables = f"{first} {last}", []
            local = f"{first}.{last}{n % 1000}".lower()
        host = domain if rng.random() < 0.5 else rng.choice(FREEMAIL)
        return name, self.mobile(), f"{local}{n}@{host}", syllables

    # --- corruptions -------------------------------------------------------------------------

    def typo(self, name: str, syllables: list[str]) -> str:
        rng = self.rng
        if syllables:  # a character of the same sound, or the pinyin mistyped
            chars = list(name)
            same_length = len(chars) == len(syllables)  # not 欧阳 (two characters, one word)
            for at in rng.sample(range(1, len(chars)), len(chars) - 1) if same_length else ():
                same = [c for c in self.homophones.get(syllables[at], []) if c != chars[at]]
                if same:
                    chars[at] = rng.choice(same)
                    return "".join(chars)
            return self.typo(f"{syllables[0].capitalize()} {''.join(syllables[1:])}", [])
        letters = list(name)
        at = rng.randrange(1, len(letters) - 1)
        while " " in (letters[at], letters[at + 1]):  # typos inside a word
            at = rng.randrange(1, len(letters) - 1)
        kind = rng.randrange(3)
        if kind == 0:
            del letters[at]
        elif kind == 1:
            letters.insert(at, letters[at])
        else:
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        return "".join(letters).replace("  ", " ").strip()

    def swap(self, name: str, syllables: list[str]) -> str:
        if syllables:  # written in pinyin, one of the ways people do
            words = [s.capitalize() for s in syllables]
            surname, given = words[0], "".join(words[1:]).capitalize()
            return self.rng.choice(
                [f"{surname} {given}", f"{given} {surname}", f"{given} {surname.upper()}"]
            )
        first, _sep, last = name.partition(" ")
        return f"{last} {first}" if self.rng.random() < 0.5 else f"{last.upper()}, {first}"

    def phone_format(self, e164: str) -> str:
        national = e164[3:]
        return self.rng.choice(
            [
                f"+86 {national[:3]} {national[3:7]} {national[7:]}",
                f"{national[:3]}-{national[3:7]}-{national[7:]}",
                f"0086 {national}",
                f"86{national}",
                national,
            ]
        )

    def company_variant(self, name: str) -> str:
        rng = self.rng
        if name.isascii():
            for suffix in sorted(EN_SUFFIXES, key=len, reverse=True):
                if name.endswith(suffix):
                    stem = name[: -len(suffix)].strip()
                    variant = f"{stem} {rng.choice([s for s in EN_SUFFIXES if s != suffix])}"
                    return variant.upper() if rng.random() < 0.3 else variant
            return name
        for suffix in sorted(CN_SUFFIXES, key=len, reverse=True):
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                city = next((c[1] for c in self.cities if stem.startswith(c[1])), "")
                other = rng.choice([s for s in CN_SUFFIXES if s not in (suffix, "商贸有限公司")])
                if city and rng.random() < 0.5:
                    return stem[len(city) :] + other  # the city left out
                if city and rng.random() < 0.5:
                    return f"{stem[len(city) :]}（{city}）{suffix}"
                return stem + other
        return name


def generate(n_contacts: int, *, seed: int = 7, duplicate_share: float = 0.1) -> Labelled:
    """About ``n_contacts`` contacts (``duplicate_share`` of the people entered twice or
    three times) at ``n_contacts / 5`` accounts (the same share of those duplicated)."""
    g = _Gen(seed)
    rng = g.rng
    out = Labelled()
    n_companies = max(1, round(n_contacts / 5 / (1 + duplicate_share)))
    # company entity -> [(account id, name)]: the original first, then its duplicates
    companies: list[list[tuple[int, str]]] = []
    domains: list[str] = []
    for entity in range(n_companies):
        name, domain = g.company()
        phone = g.mobile()
        email = f"info@{domain}"
        records = [(name, phone, email)]
        if rng.random() < duplicate_share:
            variant_phone = g.phone_format(phone) if rng.random() < 0.5 else phone
            records.append(
                (
                    g.company_variant(name),
                    "" if rng.random() < 0.2 else variant_phone,
                    email.upper() if rng.random() < 0.3 else email,
                )
            )
        ids = []
        for rec in records:
            aid = len(out.accounts) + 1
            out.accounts.append((aid, *rec))
            out.account_entity.append(entity)
            ids.append((aid, rec[0]))
        companies.append(ids)
        domains.append(domain)
    corruptions = ("typo", "swap", "missing", "phone", "email", "company")
    n_people = round(n_contacts / (1 + duplicate_share * 1.2))
    for entity in range(n_people):
        company = rng.randrange(n_companies)
        name, mobile, email, syllables = g.person(domains[company])
        account = companies[company][0][0] if rng.random() < 0.9 else None
        copies = [(name, account, mobile, email)]
        if rng.random() < duplicate_share:
            for _copy in range(1 if rng.random() < 0.8 else 2):
                c_name, c_account, c_mobile, c_email = name, account, mobile, email
                for kind in rng.sample(corruptions, rng.choice((1, 2, 2, 3))):
                    if kind == "typo":
                        c_name = g.typo(c_name if not syllables else name, syllables)
                    elif kind == "swap":
                        c_name = g.swap(name, syllables)
                    elif kind == "missing":
                        have = {"mobile": c_mobile, "email": c_email, "account": c_account}
                        present = [x for x, value in have.items() if value]
                        if len(present) > 1:
                            drop = rng.choice(present)
                            c_mobile = "" if drop == "mobile" else c_mobile
                            c_email = "" if drop == "email" else c_email
                            c_account = None if drop == "account" else c_account
                    elif kind == "phone" and c_mobile:
                        c_mobile = g.phone_format(mobile)
                    elif kind == "email" and c_email:
                        c_email = rng.choice([c_email.upper(), c_email.capitalize()])
                    elif kind == "company" and c_account and len(companies[company]) > 1:
                        c_account = companies[company][1][0]
                copies.append((c_name, c_account, c_mobile, c_email))
        for rec in copies:
            out.contacts.append((len(out.contacts) + 1, *rec))
            out.contact_entity.append(entity)
    return out
