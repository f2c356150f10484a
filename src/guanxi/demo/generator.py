"""Deterministic demo rows for 鑫味食品 (Xinwei Foods), built as plain tuples.

Rows are tuples in the column order of ``COLUMNS`` (no model instances: building a million
of those costs more than writing them). Values are what the services would store: phones
in E.164, e-mails lower case, and ``search_tokens`` from the same ``core.search.tokens``
the services use. Times are naive UTC strings as Django stores them on SQLite, which
PostgreSQL reads the same way in a UTC session.

Accounts are generated in fixed blocks of ``BLOCK`` with a random generator seeded by
(seed, block), so the first N accounts are the same whatever the total size.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from guanxi.core.search import tokens
from guanxi.demo import data as d

BLOCK = 5000
DAY = 86400
_EPOCH = datetime(1970, 1, 1)
_DATE0 = date(1970, 1, 1)

COLUMNS: dict[str, tuple[str, ...]] = {
    "customers_account": (
        "id",
        "organisation_id",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
        "version",
        "owner_id",
        "name",
        "kind",
        "industry",
        "region",
        "source",
        "grade",
        "lifecycle_stage",
        "status",
        "phone",
        "email",
        "website",
        "country",
        "province",
        "city",
        "address",
        "postal_code",
        "shipping_address",
        "description",
        "search_tokens",
    ),
    "customers_contact": (
        "id",
        "organisation_id",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
        "version",
        "owner_id",
        "account_id",
        "name",
        "gender",
        "title",
        "department",
        "birthday",
        "mobile",
        "phone",
        "email",
        "wechat_id",
        "address",
        "marketing_consent",
        "consent_at",
        "notes",
        "search_tokens",
    ),
    "sales_opportunity": (
        "id",
        "organisation_id",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
        "version",
        "owner_id",
        "name",
        "account_id",
        "contact_id",
        "amount",
        "currency",
        "pipeline_id",
        "stage_id",
        "status",
        "expected_close",
        "competitor",
        "lost_reason",
        "closed_at",
        "description",
        "search_tokens",
    ),
    "activities_activity": (
        "id",
        "organisation_id",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
        "version",
        "owner_id",
        "kind",
        "subject",
        "body",
        "due_at",
        "done",
        "done_at",
        "account_id",
        "contact_id",
        "opportunity_id",
    ),
    "customers_account_tags": ("account_id", "tag_id"),
    "core_event": (
        "id",
        "organisation_id",
        "occurred_at",
        "actor_id",
        "verb",
        "object_type",
        "object_id",
        "object_repr",
        "account_id",
        "changes",
        "data",
    ),
}
TABLES = tuple(COLUMNS)
# Tables whose ids the generator assigns (the tag links get theirs from the database).
ID_TABLES = tuple(t for t in TABLES if COLUMNS[t][0] == "id")

SEGMENTS = ("distributor", "supermarket", "convenience", "store", "b2c", "export")
SEGMENT_WEIGHTS = (25, 15, 15, 25, 10, 10)
INDUSTRY = {
    "distributor": "食品批发",
    "supermarket": "连锁超市",
    "convenience": "便利店",
    "store": "食品零售",
    "b2c": "",
    "export": "Food import",
}
# (contacts min, max), (deals min, max) per segment: about 2 contacts and 1 deal an account.
CONTACTS = {
    "distributor": (2, 4),
    "supermarket": (2, 3),
    "convenience": (1, 3),
    "store": (1, 2),
    "b2c": (1, 1),
    "export": (1, 3),
}
DEALS = {
    "distributor": (1, 3),
    "supermarket": (0, 2),
    "convenience": (0, 2),
    "store": (0, 1),
    "b2c": (0, 1),
    "export": (1, 2),
}
# (low, high) deal amounts per segment; CNY except export (USD).
AMOUNTS = {
    "distributor": (50_000, 2_000_000),
    "supermarket": (20_000, 500_000),
    "convenience": (5_000, 120_000),
    "store": (1_000, 30_000),
    "b2c": (200, 5_000),
    "export": (5_000, 200_000),
}
GRADES = {
    "distributor": ("A", "A", "B", "B", "B", "C"),
    "supermarket": ("A", "B", "B", "C", "C"),
    "convenience": ("B", "C", "C", "C", "D"),
    "store": ("C", "C", "D", "D", ""),
    "b2c": ("C", "D", "D", ""),
    "export": ("A", "B", "B", "C"),
}
SOURCES = (
    ("referral", 25),
    ("exhibition", 20),
    ("cold_call", 15),
    ("website", 15),
    ("partner", 10),
    ("advertising", 10),
    ("other", 5),
)
STATUS_LIFECYCLE = (
    ("prospect", ("acquisition",), 25),
    ("active", ("growth", "growth", "maturity"), 55),
    ("inactive", ("decline", "exit"), 12),
    ("no_intent", ("acquisition", "exit"), 8),
)
ACTIVITY_KINDS = ("call", "visit", "meeting", "email", "note", "task")
ACTIVITY_WEIGHTS = (30, 15, 10, 15, 10, 20)
SCHEDULED = {"call", "visit", "meeting", "task"}
OPEN_STAGE_WEIGHTS = (35, 25, 25, 15)
UPCOMING_PER_OWNER = 3


@dataclass
class Context:
    """What the generated rows point at: the organisation, its users, pipeline and tags."""

    organisation_id: int
    owners: dict[str, list[int]]  # region -> the users who own its accounts
    manager_id: int
    pipeline_id: int
    stages: list[tuple[int, str, str]]  # (id, name, kind) in pipeline order
    tags: dict[str, int]  # tag name -> id
    now: datetime  # naive UTC


@dataclass
class Batch:
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def _cum(weights) -> list[float]:
    return list(accumulate(weights))


class Generator:
    """Yields blocks of rows; ids continue from ``next_ids`` (table -> first free id)."""

    def __init__(self, ctx: Context, *, seed: int, next_ids: dict[str, int]):
        self.ctx = ctx
        self.seed = seed
        self.ids = dict(next_ids)
        self.now_s = int((ctx.now - _EPOCH).total_seconds())
        self.today = (ctx.now.date() - _DATE0).days
        self.open_stages = [s for s in ctx.stages if s[2] == "open"]
        self.won_stage = next(s for s in ctx.stages if s[2] == "won")
        self.lost_stage = next(s for s in ctx.stages if s[2] == "lost")
        self.regions = list(d.REGION_WEIGHTS)
        self.region_cum = _cum(d.REGION_WEIGHTS.values())
        self.countries = list(d.OVERSEAS_WEIGHTS)
        self.country_cum = _cum(d.OVERSEAS_WEIGHTS.values())
        self.segment_cum = _cum(SEGMENT_WEIGHTS)
        self.source_cum = _cum(w for _, w in SOURCES)
        self.status_cum = _cum(w for *_, w in STATUS_LIFECYCLE)
        self.surname_cum = _cum(w for *_, w in d.SURNAMES)
        self.kind_cum = _cum(ACTIVITY_WEIGHTS)
        self.open_cum = _cum(OPEN_STAGE_WEIGHTS)
        self._days: dict[int, str] = {}
        # Every owner's first accounts get an open task due in the coming days, so each
        # rep's home page has something on it whatever the size.
        self._upcoming: dict[int, int] = {}

    # --- small helpers ----------------------------------------------------------------------

    def ts(self, seconds: int) -> str:
        """Naive UTC "YYYY-MM-DD HH:MM:SS" (a day's string is cached, the time looked up)."""
        days, rest = divmod(seconds, DAY)
        prefix = self._days.get(days)
        if prefix is None:
            prefix = self._days[days] = (_DATE0 + timedelta(days=days)).isoformat() + " "
        return prefix + _CLOCK[rest]

    @staticmethod
    def iso(seconds: int) -> str:
        """As ``events._jsonable`` writes an aware datetime into event data."""
        return (_EPOCH + timedelta(seconds=seconds)).isoformat() + "+00:00"

    @staticmethod
    def day(days: int) -> str:
        return (_DATE0 + timedelta(days=days)).isoformat()

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    @staticmethod
    def digits(rng: random.Random, n: int) -> str:
        return f"{int(rng.random() * 10**n):0{n}d}"

    def chinese_name(self, rng: random.Random) -> tuple[str, str, str, str]:
        """(name, gender, surname pinyin, given-name pinyin)."""
        surname, s_py, _ = d.SURNAMES[_pick(self.surname_cum, rng.random() * self.surname_cum[-1])]
        male = rng.random() < 0.55
        chars = d.GIVEN_MALE if male else d.GIVEN_FEMALE
        first = _choice(rng, chars)
        if rng.random() < 0.6:
            second = _choice(rng, chars)
            given, g_py = first[0] + second[0], first[1] + second[1]
        else:
            given, g_py = first
        return surname + given, "male" if male else "female", s_py, g_py

    def cn_mobile(self, rng: random.Random) -> str:
        return "+86" + _choice(rng, d.CN_MOBILE_PREFIXES) + self.digits(rng, 8)

    # --- one block ----------------------------------------------------------------------------

    def block(self, number: int, accounts: int) -> Batch:
        rng = random.Random(f"guanxi-demo:{self.seed}:{number}")
        batch = Batch()
        for _ in range(accounts):
            self._account(rng, batch)
        return batch

    def _account(self, rng: random.Random, batch: Batch) -> None:
        ctx = self.ctx
        rows = batch.rows
        events: list[tuple] = []
        segment = SEGMENTS[_pick(self.segment_cum, rng.random() * self.segment_cum[-1])]
        export = segment == "export"
        account_id = self.next_id("customers_account")

        # Where, and who owns it.
        if export:
            region = "overseas"
            country = self.countries[_pick(self.country_cum, rng.random() * self.country_cum[-1])]
            cc, places, mobiles, mobile_digits, suffixes, tld = d.OVERSEAS[country]
            province, city, line_prefix, line_digits = _choice(rng, places)
            phone = "+" + line_prefix + self.digits(rng, line_digits)
            phone_cc = cc
        else:
            region = self.regions[_pick(self.region_cum, rng.random() * self.region_cum[-1])]
            country = "CN"
            province, city, city_py, area, local, post = _choice(rng, d.CN_CITIES[region])
            phone_cc = "86"
        owners = ctx.owners[region]
        owner = ctx.manager_id if rng.random() < 0.08 else _choice(rng, owners)

        created = self.now_s - _between(rng, 20 * DAY, 1100 * DAY)
        source = SOURCES[_pick(self.source_cum, rng.random() * self.source_cum[-1])][0]
        status, stages_, _ = STATUS_LIFECYCLE[
            _pick(self.status_cum, rng.random() * self.status_cum[-1])
        ]
        lifecycle = _choice(rng, stages_)
        grade = _choice(rng, GRADES[segment])
        description = d.DESCRIPTIONS[segment].format(city=city) if rng.random() < 0.4 else ""
        kind = "b2c" if segment == "b2c" else "b2b"
        person = None
        website = ""

        if export:
            noun = _choice(rng, d.EXPORT_NOUNS)
            if rng.random() < 0.35:
                surname = _choice(rng, d.LATIN_LAST)
                stem = f"{surname} & Sons" if rng.random() < 0.4 else surname
            else:
                stem = _choice(rng, d.EXPORT_PLACES)
            name = f"{stem} {noun} {_choice(rng, suffixes)}"
            slug = "".join(ch for ch in f"{stem}{noun}".lower() if ch.isalnum())
            domain = f"{slug}.{tld}"
            email = f"{_choice(rng, ('info', 'sales', 'orders'))}@{domain}"
            website = f"https://www.{domain}"
            street = f"{_between(rng, 1, 400)} {_choice(rng, d.EXPORT_PLACES)} Road"
            address = f"{street}, {city}"
            postal = self.digits(rng, 5) if country in ("US", "MY") else ""
            shipping = address
            short = stem
        else:
            road = _choice(rng, d.ROADS)
            address = f"{province}{city}{road}{_between(rng, 1, 999)}号"
            postal = post + self.digits(rng, 3)
            phone = f"+86{area}{_between(rng, 2, 8)}{self.digits(rng, local - 1)}"
            b1, b2 = _choice(rng, d.BRAND_FIRST), _choice(rng, d.BRAND_SECOND)
            brand, brand_py = b1[0] + b2[0], b1[1] + b2[1]
            short = city + brand
            shipping = ""
            if segment == "distributor":
                word, word_py = _choice(rng, d.DISTRIBUTOR_WORDS)
                name = f"{city}{brand}{word}有限公司"
                domain = f"{brand_py}{word_py}.com.cn"
                email = f"{_choice(rng, ('sales', 'info', 'caigou'))}@{domain}"
                website = f"https://www.{domain}" if rng.random() < 0.5 else ""
                if rng.random() < 0.5:
                    shipping = (
                        f"{province}{city}{_choice(rng, d.WAREHOUSES)}{_between(rng, 1, 40)}号库"
                    )
            elif segment == "supermarket":
                r = rng.random()
                if r < 0.5:
                    name = f"{city}{brand}超市有限公司"
                elif r < 0.8:
                    name = f"{brand}购物广场({city}店)"
                else:
                    name = f"{city}{brand}生活超市"
                domain = f"{brand_py}{city_py}.com"
                email = f"caigou@{domain}" if rng.random() < 0.6 else ""
            elif segment == "convenience":
                if rng.random() < 0.5:
                    name = f"{city}{brand}便利连锁有限公司"
                    email = f"info@{brand_py}bianli.com" if rng.random() < 0.5 else ""
                else:
                    name = f"{brand}便利店({city}{road}店)"
                    email = ""
            elif segment == "store":
                name = f"{city}{brand}{_choice(rng, ('副食店', '食品商行', '零食铺', '土特产店'))}"
                email = ""
            else:  # b2c: an individual
                person = self.chinese_name(rng)
                name = short = person[0]
                phone = self.cn_mobile(rng)
                email = (
                    f"{person[2]}{person[3]}{_between(rng, 1, 999)}@{_choice(rng, d.FREEMAIL)}"
                    if rng.random() < 0.5
                    else ""
                )
                address = f"{address}{_between(rng, 1, 30)}栋{_between(rng, 101, 2800)}室"

        industry = INDUSTRY[segment]
        phone_forms = (phone[1:], phone[1 + len(phone_cc) :])
        account_tokens = tokens(name, email, city, province, industry, *phone_forms)
        updated = min(self.now_s, created + _between(rng, 0, 400 * DAY))
        created_s, updated_s = self.ts(created), self.ts(updated)
        rows["customers_account"].append(
            (
                account_id,
                ctx.organisation_id,
                created_s,
                owner,
                updated_s,
                owner,
                1,
                owner,
                name,
                kind,
                industry,
                region,
                source,
                grade,
                lifecycle,
                status,
                phone,
                email,
                website,
                country,
                province,
                city,
                address,
                postal,
                shipping,
                description,
                account_tokens,
            )
        )
        events.append(
            (
                created,
                owner,
                "account.created",
                "account",
                account_id,
                name,
                f'{{"owner": {owner}}}',
            )
        )
        tags = ctx.tags
        links = rows["customers_account_tags"]
        if grade == "A":
            links.append((account_id, tags["重点客户"]))
        if segment == "supermarket" or "连锁" in name:
            links.append((account_id, tags["连锁"]))
        if lifecycle == "acquisition" and rng.random() < 0.6:
            links.append((account_id, tags["新客户"]))
        if export:
            links.append((account_id, tags["Export"]))
        elif rng.random() < 0.08:
            links.append((account_id, tags["春节礼盒"]))

        # Contacts.
        lo, hi = CONTACTS[segment]
        contact_ids: list[tuple[int, str]] = []
        for i in range(_inclusive(rng, lo, hi)):
            contact_id = self.next_id("customers_contact")
            c_created = created + _between(rng, 0, 30 * DAY)
            wechat = ""
            office = ""
            if export:
                male = rng.random() < 0.5
                first = _choice(rng, d.LATIN_FIRST_MALE if male else d.LATIN_FIRST_FEMALE)
                last = _choice(rng, d.LATIN_LAST)
                c_name = f"{first} {last}"
                gender = "male" if male else "female"
                title, dept = _choice(rng, d.TITLES_EN)
                mobile = "+" + _choice(rng, mobiles) + self.digits(rng, mobile_digits)
                local_part = "".join(
                    ch for ch in f"{first}.{last}".lower() if ch.isalpha() or ch == "."
                )
                c_email = f"{local_part}@{domain}"
                c_cc = phone_cc
            else:
                if person is not None and i == 0:
                    c_name, gender, s_py, g_py = person
                    title, dept = "", ""
                    mobile = phone
                else:
                    c_name, gender, s_py, g_py = self.chinese_name(rng)
                    title, dept = _choice(
                        rng, d.TITLES_STORE if segment in ("store", "convenience") else d.TITLES_B2B
                    )
                    mobile = self.cn_mobile(rng)
                if rng.random() < 0.15:
                    gender = ""
                r = rng.random()
                if segment in ("distributor", "supermarket") and email and r < 0.7:
                    c_email = f"{g_py}.{s_py}@{domain}"
                elif r < 0.5:
                    c_email = f"{s_py}{g_py}{_between(rng, 1, 99)}@{_choice(rng, d.FREEMAIL)}"
                else:
                    c_email = ""
                if rng.random() < 0.7:
                    wechat = (
                        f"wxid_{self.digits(rng, 10)}"
                        if rng.random() < 0.4
                        else f"{s_py}{g_py}{_between(rng, 1970, 2005)}"
                    )
                if rng.random() < 0.2 and segment != "b2c":
                    office = phone
                c_cc = "86"
            birthday = (
                self.day(_between(rng, -1800, 11000))  # 1965 to 2000
                if rng.random() < 0.5
                else None
            )
            consent = rng.random() < 0.3
            c_created_s = self.ts(c_created)
            forms = (mobile[1:], mobile[1 + len(c_cc) :])
            if office:
                forms += (office[1:], office[3:])
            rows["customers_contact"].append(
                (
                    contact_id,
                    ctx.organisation_id,
                    c_created_s,
                    owner,
                    c_created_s,
                    owner,
                    1,
                    owner,
                    account_id,
                    c_name,
                    gender,
                    title,
                    dept,
                    birthday,
                    mobile,
                    office,
                    c_email,
                    wechat,
                    "",
                    consent,
                    c_created_s if consent else None,
                    "",
                    tokens(c_name, c_email, wechat, title, *forms),
                )
            )
            events.append(
                (c_created, owner, "contact.created", "contact", contact_id, c_name, "{}")
            )
            contact_ids.append((contact_id, c_name))

        # Deals.
        lo, hi = DEALS[segment]
        deal_ids: list[int] = []
        amount_lo, amount_hi = AMOUNTS[segment]
        currency = "USD" if export else "CNY"
        for _ in range(_inclusive(rng, lo, hi)):
            deal_id = self.next_id("sales_opportunity")
            o_created = created + _between(rng, DAY, max(2 * DAY, self.now_s - created - 5 * DAY))
            if export:
                o_name = f"{short} - {_choice(rng, d.PRODUCTS_EN)} {_choice(rng, d.ORDERS_EN)}"
            else:
                o_name = f"{short}{_choice(rng, d.PRODUCTS_ZH)}{_choice(rng, d.ORDERS_ZH)}"
            amount = f"{round(amount_lo * (amount_hi / amount_lo) ** rng.random(), -2):.2f}"
            r = rng.random()
            lost_reason = ""
            closed_at = None
            if r < 0.35:
                stage = self.won_stage
            elif r < 0.55:
                stage = self.lost_stage
                lost_reason = _choice(rng, d.LOST_EN if export else d.LOST_ZH)
            else:
                stage = self.open_stages[_pick(self.open_cum, rng.random() * self.open_cum[-1])]
            if stage[2] == "open":
                expected = self.today + _between(rng, 3, 120)
                o_updated = min(self.now_s, o_created + _between(rng, 0, 60 * DAY))
            else:
                close = min(self.now_s - 3600, o_created + _between(rng, 5 * DAY, 120 * DAY))
                closed_at = self.ts(close)
                expected = close // DAY
                o_updated = close
            competitor = ""
            if rng.random() < 0.25:
                competitor = _choice(rng, d.COMPETITORS_EN if export else d.COMPETITORS_ZH)
            contact_id = (
                _choice(rng, contact_ids)[0] if contact_ids and rng.random() < 0.8 else None
            )
            rows["sales_opportunity"].append(
                (
                    deal_id,
                    ctx.organisation_id,
                    self.ts(o_created),
                    owner,
                    self.ts(o_updated),
                    owner,
                    1,
                    owner,
                    o_name,
                    account_id,
                    contact_id,
                    amount,
                    currency,
                    ctx.pipeline_id,
                    stage[0],
                    stage[2],
                    self.day(expected),
                    competitor,
                    lost_reason,
                    closed_at,
                    "",
                    tokens(o_name, competitor),
                )
            )
            events.append(
                (
                    o_created,
                    owner,
                    "opportunity.created",
                    "opportunity",
                    deal_id,
                    o_name,
                    f'{{"amount": "{amount}", "currency": "{currency}", "stage": "{stage[1]}"}}',
                )
            )
            deal_ids.append(deal_id)

        # Activities: about five, the last one sometimes an open task (due soon or overdue).
        subjects = d.SUBJECTS_EN if export else d.SUBJECTS_ZH
        bodies = d.BODIES_EN if export else d.BODIES_ZH
        n_activities = _inclusive(rng, 2, 8)
        for i in range(n_activities):
            activity_id = self.next_id("activities_activity")
            kind_ = ACTIVITY_KINDS[_pick(self.kind_cum, rng.random() * self.kind_cum[-1])]
            contact = _choice(rng, contact_ids) if contact_ids and rng.random() < 0.7 else None
            subject = _choice(rng, subjects[kind_])
            if "{c}" in subject:
                subject = subject.format(c=contact[1] if contact else short)
            a_created = created + _between(rng, 0, max(DAY, self.now_s - created))
            due = None
            done = True
            last = i == n_activities - 1
            r = rng.random() if last else 1.0
            if last and self._upcoming.get(owner, 0) < UPCOMING_PER_OWNER:
                self._upcoming[owner] = self._upcoming.get(owner, 0) + 1
                r = 0.0
            if r < 0.10:  # open, due in the coming days
                kind_ = "task"
                subject = _choice(rng, subjects["task"])
                a_created = self.now_s - _between(rng, DAY, 10 * DAY)
                due = self.now_s + _between(rng, 3600, 7 * DAY)
                done = False
            elif r < 0.15:  # overdue
                kind_ = "task"
                subject = _choice(rng, subjects["task"])
                due = self.now_s - _between(rng, 3600, 10 * DAY)
                a_created = due - _between(rng, DAY, 10 * DAY)
                done = False
            elif kind_ in SCHEDULED:
                due = a_created + _between(rng, 0, 5 * DAY)
                if due > self.now_s:
                    due = self.now_s - _between(rng, 60, 3 * 3600)
                    a_created = min(a_created, due)
            done_at = None
            if done:
                done_s = due if due is not None else a_created
                done_at = self.ts(done_s)
                a_updated = done_s
            else:
                a_updated = a_created
            due_s = self.ts(due) if due is not None else None
            opp = _choice(rng, deal_ids) if deal_ids and rng.random() < 0.3 else None
            a_created_s = self.ts(a_created)
            rows["activities_activity"].append(
                (
                    activity_id,
                    ctx.organisation_id,
                    a_created_s,
                    owner,
                    self.ts(a_updated),
                    owner,
                    1,
                    owner,
                    kind_,
                    subject,
                    _choice(rng, bodies),
                    due_s,
                    done,
                    done_at,
                    account_id,
                    contact[0] if contact else None,
                    opp,
                )
            )
            due_json = f'"{self.iso(due)}"' if due is not None else "null"
            events.append(
                (
                    a_created,
                    owner,
                    "activity.created",
                    "activity",
                    activity_id,
                    subject,
                    f'{{"kind": "{kind_}", "subject": "{subject}", '
                    f'"done": {"true" if done else "false"}, "due_at": {due_json}}}',
                )
            )

        # The account's history in the order it happened, so ids follow time on its timeline.
        events.sort(key=_first)
        out = rows["core_event"]
        for at, actor, verb, obj_type, obj_id, obj_repr, data_json in events:
            out.append(
                (
                    self.next_id("core_event"),
                    ctx.organisation_id,
                    self.ts(at),
                    actor,
                    verb,
                    obj_type,
                    obj_id,
                    obj_repr[:200],
                    account_id,
                    "{}",
                    data_json,
                )
            )


_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]


def _first(item: tuple) -> int:
    return item[0]


def _between(rng: random.Random, low: int, high: int) -> int:
    """A number in [low, high) (``randrange`` costs ten times more in Python)."""
    return low + int(rng.random() * (high - low))


def _inclusive(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _choice(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _pick(cum: list[float], x: float) -> int:
    """Index of the bucket of a cumulative weight list that ``x`` (< cum[-1]) falls in."""
    return bisect_right(cum, x)
