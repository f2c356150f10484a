"""Sales benchmark: the reports and dashboards over a million orders, forecasts, quote PDFs.

    python benchmarks/sales.py --db sqlite|postgres|both [--orders 1000000] [--lines 5]
                               [--users 500] [--runs 30] [--pdfs 100] [--period 2026-Q3]
                               [--home DIR] [--reuse] [--json FILE]

For each database, in a fresh database (SQLite in ``--home`` or a temporary GUANXI_HOME,
PostgreSQL in ``gx_bench_sales``, dropped and created again), it

1. sets up 鑫味食品 through the services — 26 teams (销售部, five regions, four groups in
   each), roles, products in categories — and writes ``--users`` people (an administrator,
   the head of sales, region and group managers, reps) straight into the user table;
2. writes straight into the tables (``executemany`` / ``COPY``, secondary indexes dropped
   and built once at the end): accounts with Chinese and Latin names, deals over several
   years with their stage history, ``--orders`` orders of ``--lines`` lines each (drafts,
   confirmed, shipped, completed, cancelled; some from won deals, most repeat orders; a few
   in US dollars), payment plans of one to three instalments and the receipts that paid
   them (late, partly and never paid ones included), forecasts and targets for everyone;
3. times every report and dashboard the UI serves, as the views run them (Django's test
   ``Client`` through the whole middleware stack, in-process): the reports page and each
   report's card for ``--period``, the home page, the targets page, the forecast page (the
   manager's grid and roll-up over everyone below them) and the first page of the order
   list, as ``admin`` (whole organisation), ``manager`` (team scope: the head of sales,
   everyone below) and ``rep`` (own records), ``--runs`` requests each: median, p95,
   queries and CPU time of this process per request (SQLite's work included, PostgreSQL's
   server not);
4. the forecast roll-up function for the head of sales, and quote PDFs per second.

``--reuse`` skips steps 1–2 and measures the database left by an earlier run (``--home``
for SQLite; ``gx_bench_sales`` for PostgreSQL) after migrating it: before / after a new
index on the same data. Not a test: run it by hand and record the figures in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core import ROOT, machine

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "gx_bench_sales"
TARGET_MS = 500  # p95 of every report and dashboard
START = date(2023, 1, 1)  # the first orders
SHIPPED = ("shipped", "completed")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉萍红玲芬燕彬鹏辉建国浩宇涵欣怡"
LATIN_FIRST = ["James", "Mary", "Wei", "Li", "Anna", "David", "Emma", "Lucas", "Mia", "Noah"]
LATIN_LAST = ["Smith", "Wang", "Chen", "Brown", "Lee", "Garcia", "Miller", "Davis", "Wilson"]
CITIES = ["杭州", "上海", "北京", "广州", "深圳", "成都", "武汉", "南京", "苏州", "西安", "天津"]
WORDS = ["鑫盛", "华润", "美味", "甜心", "金穗", "康源", "味全", "佳禾", "百草", "盛世", "丰泰"]
TRADES = ["食品", "贸易", "商贸", "超市", "便利店", "餐饮", "供应链", "零食"]
SUFFIXES = ["有限公司", "股份有限公司", "商行", "公司"]
LATIN_COMPANIES = ["Pacific", "Golden", "Harbor", "Sunrise", "Evergreen", "Lotus", "Summit"]
LATIN_TRADES = ["Foods", "Trading", "Imports", "Distribution", "Retail", "Snacks"]
# region team -> the customer regions its groups serve
REGIONS = {
    "华东大区": ["east"],
    "华北大区": ["north", "northeast"],
    "华南大区": ["south"],
    "中西部大区": ["central", "southwest", "northwest"],
    "海外业务部": ["overseas"],
}
CATEGORIES = {
    "坚果炒货": ("Nuts", ["碧根果", "夏威夷果", "开心果", "巴旦木", "腰果", "瓜子"]),
    "饼干糕点": ("Biscuits", ["苏打饼干", "蛋黄酥", "凤梨酥", "曲奇", "沙琪玛"]),
    "糖果巧克力": ("Sweets", ["牛轧糖", "黑巧克力", "奶糖", "软糖"]),
    "肉干肉脯": ("Jerky", ["牛肉干", "猪肉脯", "鸭脖", "鸡爪"]),
    "果干蜜饯": ("Dried fruit", ["芒果干", "葡萄干", "山楂条", "话梅"]),
    "膨化食品": ("Puffed", ["薯片", "虾条", "爆米花", "锅巴"]),
    "饮料冲调": ("Drinks", ["酸梅汤", "豆奶粉", "燕麦片", "奶茶"]),
    "粮油调味": ("Pantry", ["五常大米", "花生油", "香菇", "木耳"]),
    "茶叶": ("Tea", ["龙井", "普洱", "铁观音", "红茶"]),
    "礼盒": ("Gift boxes", ["春节礼盒", "中秋礼盒", "端午礼盒"]),
}
PACKS = ["100g", "250g", "500g", "1kg", "2.5kg", "12袋装", "24袋装", "整箱"]


def person(rng: random.Random) -> tuple[str, str]:
    """(first name, last name): four in five Chinese."""
    if rng.random() < 0.8:
        return "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))), rng.choice(SURNAMES)
    return rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)


def company(rng: random.Random, n: int, overseas: bool) -> str:
    if overseas or rng.random() < 0.1:
        return f"{rng.choice(LATIN_COMPANIES)} {rng.choice(LATIN_TRADES)} {n} Ltd."
    word, trade = rng.choice(WORDS), rng.choice(TRADES)
    return f"{rng.choice(CITIES)}{word}{trade}{n % 9973}{rng.choice(SUFFIXES)}"


# --- Parent -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=5, help="lines per order")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--accounts", type=int, help="default: a fifth of the orders")
    parser.add_argument("--deals", type=int, help="default: two fifths of the orders")
    parser.add_argument("--runs", type=int, default=30, help="requests per measurement")
    parser.add_argument("--pdfs", type=int, default=100)
    parser.add_argument("--period", help="the reports' period (default: the last full quarter)")
    parser.add_argument("--home", help="SQLite: keep the database in this directory")
    parser.add_argument("--reuse", action="store_true", help="measure an earlier run's data")
    parser.add_argument("--only", help="measure only names containing this text")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="write all results to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = tmp.name
        cmd = [sys.executable, __file__, "--worker", db, "--out", out]
        for name in ("orders", "lines", "users", "accounts", "deals", "runs", "pdfs", "seed"):
            if getattr(args, name) is not None:
                cmd += [f"--{name}", str(getattr(args, name))]
        for name in ("period", "home", "only"):
            if getattr(args, name):
                cmd += [f"--{name}", getattr(args, name)]
        if args.reuse:
            cmd.append("--reuse")
        print(f"\n=== {db} ===", flush=True)
        subprocess.run(cmd, check=True, cwd=ROOT)
        results.append(json.loads(Path(out).read_text()))
        os.unlink(out)
    summary(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


def summary(results: list[dict]) -> None:
    m = results[0]["machine"]
    print(f"\nMachine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, Python {m['python']}")
    for r in results:
        counts = ", ".join(f"{v:,} {k}" for k, v in r["counts"].items())
        print(f"\n{r['db']} {r['version']}, period {r['period']}: {counts}")
        if r.get("load"):
            phases = ", ".join(f"{k} {v:.0f} s" for k, v in r["load"].items())
            print(f"  load: {phases}")
        print(
            f"  {'measurement':<44} {'user':<8} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'CPU ms':>7} {'queries':>7}  target"
        )
        for row in r["latency"]:
            verdict = f"p95 ≤ {TARGET_MS} {'ok' if row['p95'] <= TARGET_MS else 'MISSED'}"
            print(
                f"  {row['name']:<44} {row['user']:<8} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                f"{row['cpu']:>7.1f} {row['queries']:>7}  {verdict}"
            )
        pdf = r["pdf"]
        if pdf is None:
            continue
        print(
            f"  quote PDF ({pdf['lines']} lines): {pdf['per_second']:.1f} PDFs/s "
            f"(p50 {pdf['p50']:.1f} ms, p95 {pdf['p95']:.1f} ms, {pdf['bytes']:,} bytes)"
        )


# --- Worker ---------------------------------------------------------------------------------


def worker(args) -> None:
    db = args.worker
    home = args.home or tempfile.mkdtemp(prefix="gx-bench-sales-")
    os.makedirs(home, exist_ok=True)
    os.environ["GUANXI_HOME"] = home
    os.environ.setdefault("GUANXI_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "guanxi.config.settings"
    if db == "postgres":
        import psycopg

        if not args.reuse:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
        if not args.reuse:
            for name in ("guanxi.sqlite3", "guanxi.sqlite3-wal", "guanxi.sqlite3-shm"):
                Path(home, name).unlink(missing_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from guanxi.core.models import Organisation

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if db == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    load: dict[str, float] = {}
    if args.reuse:  # statistics for indexes a migration may just have built
        with connection.cursor() as cursor:
            if db == "sqlite":
                cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    else:
        rng = random.Random(args.seed)
        t0 = time.perf_counter()
        org = setup_org(args.users, rng)
        load["setup"] = time.perf_counter() - t0
        write_data(org, args, rng, load)
        print(f"loaded in {sum(load.values()):.0f} s: {load}", flush=True)
    org = Organisation.objects.get(slug="xinwei-bench")
    counts = table_counts()
    print(f"{db} {version}: {counts}", flush=True)
    period = chosen(args.period, org)
    latency = measure(org, period, args.runs, args.only)
    pdf = measure_pdf(org, args.pdfs) if args.pdfs else None
    out = {
        "db": db,
        "version": version,
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "period": period.code,
        "counts": counts,
        "load": load,
        "latency": latency,
        "pdf": pdf,
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False))
    connection.close()
    if db == "sqlite" and not args.home:
        shutil.rmtree(home, ignore_errors=True)


def chosen(code: str | None, org):
    from guanxi.sales.periods import PeriodKind, current_period, parse_period

    if code:
        return parse_period(code)
    return current_period(PeriodKind.QUARTER, org.time_zone).previous()


def table_counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for label, table in (
            ("users", "core_user"),
            ("accounts", "customers_account"),
            ("deals", "sales_opportunity"),
            ("orders", "sales_order"),
            ("order lines", "sales_orderline"),
            ("instalments", "sales_instalment"),
            ("receipts", "sales_receipt"),
        ):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            out[label] = cursor.fetchone()[0]
    return out


# --- Set-up through the services ------------------------------------------------------------


def setup_org(n_users: int, rng: random.Random):
    """The organisation, its teams and products through the services; people in bulk."""
    from django.contrib.auth.hashers import make_password

    from guanxi.core.models import Role, User
    from guanxi.core.services import organisation_create, team_create, user_create
    from guanxi.sales.models import Product

    org = organisation_create(name="鑫味食品有限公司", slug="xinwei-bench", language="zh-hans")
    top = team_create(actor=None, organisation=org, name="销售部")
    admin = user_create(
        actor=None,
        organisation=org,
        username="admin",
        password="x" * 12,
        role_code="admin",
        team=top,
    )
    roles = {r.code: r for r in Role.objects.filter(organisation=org)}
    password = make_password("x" * 12)
    people: list[User] = []

    def add(username: str, role: str, team) -> None:
        first, last = person(rng)
        people.append(
            User(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@xinwei.example.cn",
                organisation=org,
                role=roles[role],
                team=team,
                language="zh-hans",
            )
        )

    add("manager", "sales_manager", top)
    groups = []
    for region in REGIONS:
        team = team_create(actor=None, organisation=org, name=region, parent=top)
        add(f"lead_{len(groups) // 4}", "sales_manager", team)
        for k in "一二三四":
            group = team_create(actor=None, organisation=org, name=f"{region}{k}组", parent=team)
            groups.append((group, REGIONS[region]))
            add(f"group_{len(groups)}", "sales_manager", group)
    reps = max(1, n_users - 1 - len(people))
    for i in range(reps):
        add("rep" if i == 0 else f"rep{i}", "sales_rep", groups[i % len(groups)][0])
    User.objects.bulk_create(people)
    categories = list(CATEGORIES.items())
    products = []
    for i in range(2000):
        category, (latin, names) = categories[i % len(categories)]
        name = f"{rng.choice(names)} {rng.choice(PACKS)}" if i % 5 else f"{latin} no. {i}"
        products.append(
            Product(
                organisation=org,
                sku=f"SKU-{i:05d}",
                name=name,
                category=category,
                unit="箱" if i % 3 else "袋",
                list_price=f"{rng.randint(800, 90000) / 100:.2f}",
                tax_rate="9" if category in ("粮油调味", "茶叶") else "13",
                created_by=admin,
                updated_by=admin,
            )
        )
    Product.objects.bulk_create(products)
    return org


# --- Bulk data ------------------------------------------------------------------------------

TABLES = {
    "customers_account": [
        "id", "organisation_id", "owner_id", "created_at", "updated_at", "version", "name",
        "kind", "industry", "region", "source", "grade", "lifecycle_stage", "status", "phone",
        "email", "website", "country", "province", "city", "address", "postal_code",
        "shipping_address", "description", "search_tokens",
    ],
    "sales_opportunity": [
        "id", "organisation_id", "owner_id", "created_at", "updated_at", "version", "name",
        "account_id", "amount", "currency", "pipeline_id", "stage_id", "status",
        "expected_close", "competitor", "lost_reason", "closed_at", "forecast_category",
        "description", "search_tokens",
    ],
    "analytics_stagespell": [
        "organisation_id", "opportunity_id", "stage_id", "entered_at", "left_at", "seconds",
    ],
    "sales_order": [
        "id", "organisation_id", "owner_id", "created_at", "updated_at", "version", "number",
        "opportunity_id", "account_id", "status", "currency", "channel", "order_date",
        "shipping_address", "discount_percent", "notes", "gross", "discount_total",
        "net_total", "tax_total", "total", "paid_total", "confirmed_at", "shipped_at",
        "completed_at", "cancelled_at", "cancel_reason",
    ],
    "sales_orderline": [
        "organisation_id", "created_at", "updated_at", "version", "position", "product_id",
        "description", "unit", "quantity", "unit_price", "price_source", "discount_percent",
        "tax_rate", "gross", "promotion_discount", "promotions", "manual_discount", "net",
        "tax", "total", "order_id",
    ],
    "sales_instalment": [
        "organisation_id", "owner_id", "created_at", "updated_at", "version", "order_id",
        "account_id", "position", "due_date", "amount", "paid", "currency", "note",
    ],
    "sales_receipt": [
        "organisation_id", "owner_id", "created_at", "updated_at", "version", "order_id",
        "account_id", "received_on", "amount", "currency", "method", "reference", "note",
        "voided_at", "void_reason",
    ],
}  # fmt: skip


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class Writer:
    """Rows into a table: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""

    def __init__(self):
        from django.db import connection

        self.vendor = connection.vendor
        self.raw = connection.connection.cursor()

    def ts(self, dt: datetime | None):
        if dt is None:
            return None
        return dt if self.vendor == "postgresql" else dt.strftime("%Y-%m-%d %H:%M:%S")

    def day(self, d: date | None):
        if d is None:
            return None
        return d if self.vendor == "postgresql" else d.isoformat()

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = TABLES[table]
        if self.vendor == "postgresql":
            with self.raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(
                f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows
            )


def _drop_indexes(cursor, vendor: str) -> list[str]:
    """The loaded tables' secondary indexes, dropped; their DDL to build them again."""
    tables = list(TABLES)
    saved = []
    if vendor == "sqlite":
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            tables,
        )
    else:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [tables],
        )
    for name, sql in cursor.fetchall():
        saved.append(sql)
        cursor.execute(f'DROP INDEX "{name}"')
    return saved


def write_data(org, args, rng: random.Random, load: dict[str, float]) -> None:
    from django.db import connection, transaction

    from guanxi.core import search
    from guanxi.core.models import User
    from guanxi.sales import totals

    vendor = connection.vendor
    t0 = time.perf_counter()
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=OFF")
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        else:
            cursor.execute("PRAGMA cache_size=-1048576")
        search.suspend_index(cursor, vendor, ["customers_account", "sales_opportunity"])
        totals.suspend(cursor, vendor)
        saved = _drop_indexes(cursor, vendor)
        people = list(
            User.objects.filter(organisation=org)
            .select_related("team__parent")
            .values_list("pk", "username", "team__parent__name", "team__name")
        )
        gen = Generator(org, args, rng, people)
        gen.write_all(Writer())
        load["write"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
        for sql in saved:
            cursor.execute(sql)
        load["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        search.rebuild_index(cursor, vendor, ["customers_account", "sales_opportunity"])
        totals.rebuild(cursor, vendor, [org.pk])
        if vendor == "postgresql":
            for table in ("customers_account", "sales_opportunity", "sales_order"):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))',
                    [table],
                )
        load["search_index"] = time.perf_counter() - t0
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=ON")
    t0 = time.perf_counter()
    planning(org, gen, rng)
    load["planning"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    load["analyze"] = time.perf_counter() - t0


class Generator:
    """Accounts, deals with their stage history, orders with lines, instalments, receipts."""

    def __init__(self, org, args, rng: random.Random, people: list[tuple]):
        from guanxi.sales.models import Pipeline, Product, Stage

        self.org = org
        self.rng = rng
        self.orders = args.orders
        self.lines = args.lines
        self.n_accounts = args.accounts or max(10, args.orders // 5)
        self.n_deals = args.deals or max(10, args.orders * 2 // 5)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.reps = [
            (pk, REGIONS.get(region, ["east"]))
            for pk, name, region, _t in people
            if name.startswith("rep")
        ]
        pipeline = Pipeline.objects.get(organisation=org, is_default=True)
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
        self.pipeline_id = pipeline.pk
        self.open_stages = [(s.pk, s.probability) for s in stages if s.kind == "open"]
        self.won_stage = next(s.pk for s in stages if s.kind == "won")
        self.lost_stage = next(s.pk for s in stages if s.kind == "lost")
        self.products = list(
            Product.objects.filter(organisation=org).values_list(
                "pk", "name", "unit", "list_price", "tax_rate"
            )
        )
        self.account_owner: list[tuple[int, int, str]] = []  # (account id, owner, currency)
        self.won: list[tuple] = []  # won deals: (id, account id, owner, closed, amount)

    # Dates: more orders every year (the company grows), none before START.
    def moment(self) -> datetime:
        span = (self.now - datetime(START.year, START.month, START.day, tzinfo=UTC)).days
        day = int(span * (self.rng.random() ** 0.7))  # skewed towards recent days
        at = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=day)
        # 08:00–20:00 in Shanghai is 00:00–12:00 UTC
        return at + timedelta(seconds=self.rng.randrange(12 * 3600))

    def write_all(self, w: Writer) -> None:
        started = time.perf_counter()
        self.write_accounts(w)
        print(f"  accounts in {time.perf_counter() - started:.0f} s", flush=True)
        self.write_deals(w)
        print(f"  deals in {time.perf_counter() - started:.0f} s", flush=True)
        self.write_orders(w, started)

    def write_accounts(self, w: Writer) -> None:
        from guanxi.core.search import tokens

        rng, org = self.rng, self.org.pk
        rows = []
        first = _next_id("customers_account")
        # Ids grow with time, as they do when people add records one after another.
        created = sorted(self.moment() - timedelta(days=30) for _ in range(self.n_accounts))
        for n in range(self.n_accounts):
            owner, regions = self.reps[n % len(self.reps)]
            region = rng.choice(regions)
            name = company(rng, n, region == "overseas")
            at = w.ts(created[n])
            rows.append(
                (
                    first + n, org, owner, at, at, 1, name, "b2b", "食品", region, "", "",
                    "growth", "active", "", "", "", "CN" if region != "overseas" else "US",
                    "", "", "", "", "", "", tokens(name),
                )
            )  # fmt: skip
            # A quarter of the overseas customers pay in US dollars: a few in a hundred.
            usd = region == "overseas" and rng.random() < 0.25
            self.account_owner.append((first + n, owner, "USD" if usd else "CNY"))
            if len(rows) >= 20_000:
                w.write("customers_account", rows)
                rows = []
        w.write("customers_account", rows)

    def write_deals(self, w: Writer) -> None:
        rng, org = self.rng, self.org.pk
        first = _next_id("sales_opportunity")
        deals, spells = [], []
        moments = sorted(self.moment() - timedelta(days=20) for _ in range(self.n_deals))
        for n in range(self.n_deals):
            deal_id = first + n
            account, owner, currency = rng.choice(self.account_owner)
            created = moments[n]
            r = rng.random()
            amount = rng.randint(2_000, 500_000) * 100
            expected = (created + timedelta(days=rng.randint(10, 120))).date()
            passed = self.open_stages[: rng.randint(1, len(self.open_stages))]
            closed = None
            if r < 0.45 or created < self.now - timedelta(days=400):
                status = "won" if r < 0.45 or rng.random() < 0.6 else "lost"
                closed = min(self.now, created + timedelta(days=rng.randint(5, 90)))
                path = [*(s for s, _p in self.open_stages), self.won_stage]
                if status == "lost":
                    path = [*(s for s, _p in passed), self.lost_stage]
            else:
                status = "open"
                path = [s for s, _p in passed]
            stage = path[-1]
            # the stage history: equal stays in each stage up to the last (still open)
            end = closed or self.now
            step = (end - created) / len(path)
            for i, s in enumerate(path):
                entered = created + step * i
                left = entered + step if i < len(path) - 1 else None
                seconds = int(step.total_seconds()) if left else None
                spells.append((org, deal_id, s, w.ts(entered), w.ts(left), seconds))
            deals.append(
                (
                    deal_id, org, owner, w.ts(created), w.ts(end), 1, f"采购合同 {n}",
                    account, _money(amount), currency, self.pipeline_id, stage, status,
                    w.day(expected), "", "价格" if status == "lost" else "", w.ts(closed), "",
                    "", "",
                )
            )  # fmt: skip
            if status == "won":
                self.won.append((deal_id, account, owner, closed, amount, currency))
            if len(deals) >= 20_000:
                w.write("sales_opportunity", deals)
                w.write("analytics_stagespell", spells)
                deals, spells = [], []
        w.write("sales_opportunity", deals)
        w.write("analytics_stagespell", spells)

    def write_orders(self, w: Writer, started: float) -> None:
        rng, org = self.rng, self.org.pk
        first = _next_id("sales_order")
        # Nine in ten won deals got their order; the rest of the orders are repeat orders.
        from_deals = [d for d in self.won if rng.random() < 0.9][: self.orders // 3]
        # In time order, so ids grow with time as they do in use.
        plan = [(d[3] or self.now, d) for d in from_deals]
        plan += [(self.moment(), None) for _ in range(self.orders - len(plan))]
        plan.sort(key=lambda p: p[0])
        orders, lines, instalments, receipts = [], [], [], []
        products = self.products
        for n in range(self.orders):
            order_id = first + n
            confirmed, from_deal = plan[n]
            if from_deal is not None:
                deal, account, owner, _closed, _amount, currency = from_deal
            else:
                deal = None
                account, owner, currency = rng.choice(self.account_owner)
            r = rng.random()
            age = (self.now - confirmed).days
            status = (
                "draft" if r < 0.03 else
                "cancelled" if r < 0.11 else
                ("completed" if rng.random() < 0.9 else "shipped") if age > 30 else
                ("shipped" if rng.random() < 0.5 else "confirmed")
            )  # fmt: skip
            was_confirmed = status not in ("draft", "cancelled") or (
                status == "cancelled" and r < 0.07
            )
            gross_sum = disc_sum = net_sum = tax_sum = 0
            for position in range(self.lines):
                pk, name, unit, price, rate = products[rng.randrange(len(products))]
                qty = rng.randint(1, 120)
                price_c = int(price * 100)
                gross = qty * price_c
                pct = 0 if rng.random() < 0.7 else rng.choice((3, 5, 10))
                disc = (gross * pct + 50) // 100
                net = gross - disc
                tax = (net * int(rate) + 50) // 100
                gross_sum, disc_sum, net_sum, tax_sum = (
                    gross_sum + gross, disc_sum + disc, net_sum + net, tax_sum + tax,
                )  # fmt: skip
                at = w.ts(confirmed)
                lines.append(
                    (
                        org, at, at, 1, position, pk, name, unit, f"{qty}.00", _money(price_c),
                        "", f"{pct}.00", f"{rate}", _money(gross), "0.00", "[]", _money(disc),
                        _money(net), _money(tax), _money(net + tax), order_id,
                    )
                )  # fmt: skip
            total = net_sum + tax_sum
            paid_total = 0
            if status in ("confirmed", "shipped", "completed"):
                paid_total = self.plan(w, order_id, account, owner, currency, confirmed, total,
                                       instalments, receipts)  # fmt: skip
            day = confirmed.date()
            orders.append(
                (
                    order_id, org, owner, w.ts(confirmed), w.ts(confirmed), 1,
                    f"SO-{day.year}-{n + 1:07d}", deal, account, status, currency,
                    rng.choice(("direct", "distributor", "retail", "online")), w.day(day), "",
                    "0.00", "", _money(gross_sum), _money(disc_sum), _money(net_sum),
                    _money(tax_sum), _money(total), _money(paid_total),
                    w.ts(confirmed) if was_confirmed else None,
                    w.ts(confirmed + timedelta(days=3)) if status in SHIPPED else None,
                    w.ts(confirmed + timedelta(days=20)) if status == "completed" else None,
                    w.ts(confirmed + timedelta(days=2)) if status == "cancelled" else None,
                    "客户取消" if status == "cancelled" else "",
                )
            )  # fmt: skip
            if len(orders) >= 20_000:
                self.flush(w, orders, lines, instalments, receipts)
                orders, lines, instalments, receipts = [], [], [], []
                if (n + 1) % 100_000 == 0:
                    print(
                        f"  {n + 1:,} orders in {time.perf_counter() - started:.0f} s",
                        flush=True,
                    )
        self.flush(w, orders, lines, instalments, receipts)

    @staticmethod
    def flush(w: Writer, orders, lines, instalments, receipts) -> None:
        w.write("sales_order", orders)
        w.write("sales_orderline", lines)
        w.write("sales_instalment", instalments)
        w.write("sales_receipt", receipts)

    def plan(self, w, order_id, account, owner, currency, confirmed, total, instalments, receipts):
        """One to three instalments and the receipts that paid them; returns what was paid."""
        rng, org = self.rng, self.org.pk
        day = confirmed.date()
        r = rng.random()
        if r < 0.6:
            parts = [(day + timedelta(days=30), total)]
        elif r < 0.9:
            deposit = total * 30 // 100
            parts = [(day, deposit), (day + timedelta(days=60), total - deposit)]
        else:
            third = total // 3
            parts = [(day + timedelta(days=30 * (i + 1)), third) for i in range(2)]
            parts.append((day + timedelta(days=90), total - 2 * third))
        paid_total = 0
        at = w.ts(confirmed)
        for position, (due, amount) in enumerate(parts):
            if amount <= 0:
                continue
            late = (self.today - due).days
            x = rng.random()
            if late > 60:
                paid = amount if x < 0.97 else 0  # a few never paid
            elif late > 0:
                paid = amount if x < 0.7 else (amount // 2 if x < 0.8 else 0)
            else:
                paid = amount if x < 0.1 else 0
            instalments.append(
                (org, owner, at, at, 1, order_id, account, position, w.day(due), _money(amount),
                 _money(paid), currency, "")
            )  # fmt: skip
            if paid:
                received = min(self.today, due + timedelta(days=rng.randint(-5, 20)))
                received = max(received, day)
                receipts.append(
                    (org, owner, at, at, 1, order_id, account, w.day(received), _money(paid),
                     currency, rng.choice(("bank_transfer", "alipay", "wechat_pay", "cash")),
                     f"回单{order_id}-{position}", "", None, "")
                )  # fmt: skip
                if rng.random() < 0.003:  # entered twice, voided
                    receipts.append(
                        (org, owner, at, at, 1, order_id, account, w.day(received),
                         _money(paid), currency, "bank_transfer", "", "", at, "重复录入")
                    )  # fmt: skip
            paid_total += paid
        return paid_total


def _next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
        return cursor.fetchone()[0]


def planning(org, gen: Generator, rng: random.Random) -> None:
    """Forecasts (with some managers' adjustments) and targets for every person and team,
    for the running and the previous quarter and month."""
    from decimal import Decimal

    from guanxi.core.models import Team, User
    from guanxi.sales.models import ForecastSubmission, Target
    from guanxi.sales.periods import PeriodKind, current_period

    users = list(User.objects.filter(organisation=org).exclude(username="admin"))
    quarter = current_period(PeriodKind.QUARTER, org.time_zone)
    month = current_period(PeriodKind.MONTH, org.time_zone)
    periods = [quarter, quarter.previous(), month, month.previous()]
    subs, goals = [], []
    for period in periods:
        for u in users:
            commit = Decimal(rng.randint(50_000, 2_000_000))
            if rng.random() < 0.8:
                subs.append(
                    ForecastSubmission(
                        organisation=org,
                        owner=u,
                        period_kind=period.kind,
                        period_start=period.start,
                        commit=commit,
                        best_case=commit * Decimal("1.3"),
                        commit_adjusted=commit * Decimal("0.9") if rng.random() < 0.3 else None,
                        submitted_at=gen.now,
                    )
                )
            for metric in ("revenue", "collections"):
                goals.append(
                    Target(
                        organisation=org,
                        metric=metric,
                        period_kind=period.kind,
                        period_start=period.start,
                        user=u,
                        amount=Decimal(rng.randint(100_000, 3_000_000)),
                    )
                )
        for team in Team.objects.filter(organisation=org):
            goals.append(
                Target(
                    organisation=org,
                    metric="revenue",
                    period_kind=period.kind,
                    period_start=period.start,
                    team=team,
                    amount=Decimal(rng.randint(10, 300) * 1_000_000),
                )
            )
        for region in ("east", "north", "south", "central", "overseas"):
            goals.append(
                Target(
                    organisation=org,
                    metric="revenue",
                    period_kind=period.kind,
                    period_start=period.start,
                    region=region,
                    amount=Decimal(rng.randint(10, 300) * 1_000_000),
                )
            )
    ForecastSubmission.objects.bulk_create(subs, batch_size=2000)
    Target.objects.bulk_create(goals, batch_size=2000)


# --- Latency -------------------------------------------------------------------------------


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)
    ]


def measure(org, period, runs: int, only: str | None) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from guanxi.analytics import reports
    from guanxi.core import access
    from guanxi.core.models import User
    from guanxi.sales import forecasts
    from guanxi.sales.models import Order

    results: list[dict] = []

    def timed(name: str, user: str, fn) -> None:
        if only and only not in name:
            return
        fn()  # warm-up
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            fn()
        samples, cpu = [], []
        for _ in range(runs):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        p50, p95 = _stats(samples)
        row = {
            "name": name,
            "user": user,
            "p50": p50,
            "p95": p95,
            "cpu": statistics.median(cpu),
            "n": runs,
            "queries": queries[0],
        }
        results.append(row)
        print(
            f"  {name:<44} {user:<8} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"CPU {row['cpu']:6.1f} ms  {queries[0]} queries",
            flush=True,
        )

    def ok(response):
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.request['PATH_INFO']}")
        return response

    try:
        order_list_url = reverse("sales:order_list")
    except NoReverseMatch:
        order_list_url = None
    q = f"period={period.code}"
    for username in ("admin", "manager", "rep"):
        user = User.objects.select_related("role", "team").get(organisation=org, username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        timed("GET / (home: attainment cards)", username, lambda c=client: ok(c.get("/")))
        timed(
            "GET /reports/ (the page, cards load after)",
            username,
            lambda c=client: ok(c.get(f"/reports/?{q}")),
        )
        for name in reports.REPORTS:
            url = reverse("analytics:report_card", args=[name])
            timed(f"report {name}", username, lambda c=client, u=url: ok(c.get(f"{u}?{q}")))
        timed(
            "GET /planning/targets/ (attainment)",
            username,
            lambda c=client: ok(c.get(f"{reverse('planning:targets')}?{q}")),
        )
        timed(
            "GET /planning/forecast/ (grid + roll-up)",
            username,
            lambda c=client: ok(c.get(f"{reverse('planning:forecast')}?{q}")),
        )
        if username == "manager":
            timed(
                "forecasts.forecast_rollup (all teams below)",
                username,
                lambda u=user: forecasts.forecast_rollup(u, period),
            )
        if order_list_url:
            timed(
                "GET order list, first page",
                username,
                lambda c=client: ok(c.get(order_list_url)),
            )
        else:  # the order pages are built elsewhere: the query a first page needs
            timed(
                "order list first page (selector stand-in)",
                username,
                lambda u=user: list(
                    access.scoped(
                        u, Order.objects.select_related("account", "owner"), "order"
                    ).order_by("-updated_at", "-id")[:50]
                ),
            )
    return results


def measure_pdf(org, n: int) -> dict:
    """Quote PDFs of eight lines (Chinese product names) per second."""
    from guanxi.core.models import User
    from guanxi.sales import quotes
    from guanxi.sales.models import Opportunity, Product
    from guanxi.sales.pdf import quote_pdf

    rep = User.objects.get(organisation=org, username="rep")
    deal = Opportunity.objects.filter(organisation=org, owner=rep, status="open").first()
    quote = quotes.quote_create(actor=rep, opportunity=deal.pk)
    for product in Product.objects.filter(organisation=org, category="坚果炒货")[:8]:
        quotes.quote_line_add(actor=rep, quote=quote, product=product.pk, quantity="24")
        quote.refresh_from_db()
    size = len(quote_pdf(quote))
    samples = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        quote_pdf(quote)
        samples.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - started
    p50, p95 = _stats(samples)
    return {"lines": 8, "pdfs": n, "per_second": n / seconds, "p50": p50, "p95": p95, "bytes": size}


if __name__ == "__main__":
    main()
