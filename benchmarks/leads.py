"""Leads benchmark: intake throughput against a large customer base, and pool reclaim.

    python benchmarks/leads.py --db sqlite|postgres|both [--contacts 1000000]
                               [--intake 3000] [--forms 2000] [--api 1000]
                               [--leads 1000000] [--json FILE]

For each database, in a fresh database (SQLite in a temporary GUANXI_HOME, PostgreSQL in
``gx_bench_leads``, dropped and created again):

1. writes ``--contacts`` contacts and a fifth as many accounts, with realistic Chinese and
   Latin names, mobiles and emails, straight into their tables (``executemany`` / ``COPY``,
   search index included) — the base every new lead is checked against;
2. **intake**: ``--intake`` leads through ``leads.services.lead_capture`` one by one, each in
   its own transaction, as a web form would send them: cleaning (E.164, emails), validation,
   the duplicate check on phone, email and company name against all those contacts,
   accounts and earlier leads, scoring and the assignment rules (round-robin within a team,
   least-loaded, region rule, pool). A quarter of them reuse a contact's mobile, a tenth a
   contact's email, a fifth an existing company name with another legal suffix;
3. the same through a web form's public endpoint (``POST /f/<key>/`` with JSON from another
   origin, each post from its own address), ``--forms`` leads; then through the REST API
   (``POST /api/v1/leads``, bearer token), ``--api`` leads. Both go into the WSGI
   application ``guanxi serve`` runs, every middleware included, in-process;
4. **reclaim**: ``--leads`` leads owned by reps, four in five untouched for longer than the
   pool's ``reclaim_days``, then ``leads.services.pool_reclaim()`` (the periodic job), timed,
   next to a bare ``UPDATE`` of the same rows as the raw-path ceiling.

Rates are leads per second over the whole run (sustained), with the median and p95 of one
lead. Not a test: run it by hand and record the figures in benchmarks/README.md.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core import ROOT, machine

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "gx_bench_leads"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国浩"
    "宇子涵雨欣梓萱俊杰思远嘉怡欣怡"
)
LATIN_FIRST = [
    "James",
    "Mary",
    "Wei",
    "Li",
    "Anna",
    "David",
    "Emma",
    "Lucas",
    "Mia",
    "Noah",
    "Olivia",
]
LATIN_LAST = [
    "Smith",
    "Wang",
    "Chen",
    "Brown",
    "Lee",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
]
CITIES = [
    "杭州",
    "上海",
    "北京",
    "广州",
    "深圳",
    "成都",
    "武汉",
    "南京",
    "苏州",
    "西安",
    "重庆",
    "天津",
]
WORDS = [
    "鑫盛",
    "华润",
    "美味",
    "甜心",
    "金穗",
    "康源",
    "味全",
    "佳禾",
    "百草",
    "盛世",
    "丰泰",
    "恒达",
]
TRADES = ["食品", "贸易", "商贸", "超市", "便利店", "餐饮", "供应链", "零食"]
SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司", "商行", "公司"]
REGIONS = ["east", "north", "south", "central", "southwest", "northwest", "northeast"]
SOURCES = ["referral", "website", "exhibition", "cold_call", "partner", "advertising"]


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def person(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return chinese_name(rng)
    return f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"


def company(rng: random.Random, n: int) -> str:
    city, word, trade = rng.choice(CITIES), rng.choice(WORDS), rng.choice(TRADES)
    return f"{city}{word}{trade}{n % 9973}{rng.choice(SUFFIXES)}"


def mobile(n: int) -> str:
    return f"+86139{n:08d}"


# --- Parent ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--intake", type=int, default=3000)
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--api", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument(
        "--workers", type=int, default=2, help="concurrent intake processes (as web workers)"
    )
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
        for name in ("contacts", "intake", "forms", "api", "leads", "seed", "workers"):
            cmd += [f"--{name}", str(getattr(args, name))]
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
        print(f"\n{r['db']} {r['version']}: {r['contacts']:,} contacts, {r['accounts']:,} accounts")
        for key in (
            "intake",
            "intake_parallel",
            "web_form",
            "web_form_parallel",
            "api",
            "api_parallel",
        ):
            x = r[key]
            verdict = "ok" if x["per_second"] >= 200 else "MISSED"
            label = key.replace("_parallel", f" ×{r['workers']}").replace("_", " ")
            print(
                f"  {label:<10} {x['leads']:>7,} leads in {x['seconds']:7.1f} s = "
                f"{x['per_second']:7.0f} leads/s (p50 {x['p50']:.1f} ms, p95 {x['p95']:.1f} ms"
                + (f", CPU {x['cpu_ms']:.1f} ms a lead)" if x.get("cpu_ms") else ")")
                + f"  target ≥ 200/s {verdict}; duplicates linked: {x.get('with_duplicates', '—')}"
            )
        rc = r["reclaim"]
        print(
            f"  reclaim {rc['reclaimed']:,} of {rc['leads']:,} leads in {rc['seconds']:.1f} s "
            f"(bare UPDATE of the same rows: {rc['raw_seconds']:.1f} s, ratio "
            f"{rc['seconds'] / max(rc['raw_seconds'], 1e-9):.2f}×)  target ≤ 60 s "
            f"{'ok' if rc['seconds'] <= 60 else 'MISSED'}"
        )


# --- Worker -----------------------------------------------------------------------------------


def worker(args) -> None:
    db = args.worker
    home = tempfile.mkdtemp(prefix="gx-bench-leads-")
    os.environ["GUANXI_HOME"] = home
    os.environ.setdefault("GUANXI_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "guanxi.config.settings"
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if db == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    rng = random.Random(args.seed)
    org, users = setup_org()
    accounts = max(1, args.contacts // 5)
    t0 = time.perf_counter()
    account_names = write_base(org, users, args.contacts, accounts, rng)
    print(
        f"base: {args.contacts:,} contacts + {accounts:,} accounts in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    intake = measure_intake(org, args.intake, args.contacts, account_names, rng)
    print(f"intake: {intake['per_second']:.0f} leads/s", flush=True)
    parallel = in_parallel(
        args.workers,
        lambda k: measure_intake(
            org,
            args.intake // args.workers,
            args.contacts,
            account_names,
            random.Random(args.seed + k),
        ),
    )
    print(f"intake, {args.workers} processes: {parallel['per_second']:.0f} leads/s", flush=True)
    forms = measure_web_form(org, users, args.forms, args.contacts, account_names, rng)
    print(f"web form: {forms['per_second']:.0f} leads/s", flush=True)
    forms_parallel = in_parallel(
        args.workers,
        lambda k: measure_web_form(
            org,
            users,
            args.forms // args.workers,
            args.contacts,
            account_names,
            random.Random(args.seed * 5 + k),
        ),
    )
    print(f"web form, {args.workers} processes: {forms_parallel['per_second']:.0f}", flush=True)
    api = measure_api(org, users, args.api, args.contacts, account_names, rng)
    print(f"api: {api['per_second']:.0f} leads/s", flush=True)
    api_parallel = in_parallel(
        args.workers,
        lambda k: measure_api(
            org,
            users,
            args.api // args.workers,
            args.contacts,
            account_names,
            random.Random(args.seed * 7 + k),
        ),
    )
    print(f"api, {args.workers} processes: {api_parallel['per_second']:.0f} leads/s", flush=True)
    reclaim = measure_reclaim(org, users, args.leads, rng)
    print(f"reclaim: {reclaim['seconds']:.1f} s", flush=True)
    out = {
        "db": db,
        "version": version,
        "contacts": args.contacts,
        "accounts": accounts,
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "intake": intake,
        "intake_parallel": parallel,
        "web_form": forms,
        "web_form_parallel": forms_parallel,
        "api": api,
        "api_parallel": api_parallel,
        "workers": args.workers,
        "reclaim": reclaim,
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False))
    connection.close()
    if db == "sqlite":
        shutil.rmtree(home, ignore_errors=True)


def setup_org():
    from guanxi.core.services import organisation_create, team_create, user_create
    from guanxi.leads import configuration

    org = organisation_create(name="鑫味食品有限公司", slug="xinwei", language="zh-hans")
    sales = team_create(actor=None, organisation=org, name="销售部")
    east = team_create(actor=None, organisation=org, name="华东", parent=sales)
    north = team_create(actor=None, organisation=org, name="华北", parent=sales)
    users = {
        "admin": user_create(
            actor=None,
            organisation=org,
            username="admin",
            password="x" * 12,
            role_code="admin",
            team=sales,
        )
    }
    for i in range(10):
        users[f"rep{i}"] = user_create(
            actor=None,
            organisation=org,
            username=f"rep{i}",
            password="x" * 12,
            role_code="sales_rep",
            team=east if i < 5 else north,
        )
    admin = users["admin"]
    configuration.assignment_rule_save(
        actor=admin,
        data={
            "name": "华东轮流",
            "action": "round_robin",
            "team": east.pk,
            "conditions": [{"field": "region", "op": "eq", "value": "east"}],
        },
    )
    configuration.assignment_rule_save(
        actor=admin,
        data={
            "name": "华北按负载",
            "action": "least_loaded",
            "team": north.pk,
            "conditions": [{"field": "region", "op": "in", "value": "north,northeast"}],
        },
    )
    configuration.assignment_rule_save(
        actor=admin,
        data={
            "name": "转介绍给组长",
            "action": "user",
            "user": users["rep0"].pk,
            "conditions": [
                {"field": "source", "op": "eq", "value": "referral"},
                {"field": "score", "op": "gte", "value": "50"},
            ],
        },
    )
    configuration.web_form_save(
        actor=admin,
        data={
            "name": "官网表单",
            "fields": ["name", "company", "mobile", "email", "region", "message"],
            "required": ["name"],
            "source": "website",
        },
    )
    return org, users


def _insert(table: str, columns: list[str], rows, batch: int = 20_000) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        raw = connection.connection
        with connection.cursor() as c:
            c.execute("SELECT 1")
        with (
            raw.cursor() as cur,
            cur.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
        raw.commit()
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
    chunk = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def _ts(dt: datetime):
    from django.db import connection

    return dt if connection.vendor == "postgresql" else dt.isoformat(sep=" ")


def write_base(org, users, contacts: int, accounts: int, rng: random.Random) -> list[str]:
    """Accounts and contacts straight into their tables, with their search tokens."""
    from django.db import connection, transaction

    from guanxi.core.search import tokens

    owners = [u.pk for k, u in users.items() if k != "admin"]
    now = datetime.now(UTC)
    names = [company(rng, n) for n in range(accounts)]
    a_cols = [
        "organisation_id",
        "owner_id",
        "created_at",
        "updated_at",
        "version",
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
    ]
    c_cols = [
        "organisation_id",
        "owner_id",
        "created_at",
        "updated_at",
        "version",
        "name",
        "gender",
        "title",
        "department",
        "mobile",
        "phone",
        "email",
        "wechat_id",
        "address",
        "marketing_consent",
        "notes",
        "search_tokens",
        "account_id",
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "customers_account"')
            first_account = cursor.fetchone()[0] + 1
        _insert(
            "customers_account",
            a_cols,
            (
                (
                    org.pk,
                    owners[n % len(owners)],
                    _ts(now),
                    _ts(now),
                    1,
                    name,
                    "b2b",
                    "食品",
                    REGIONS[n % 7],
                    "",
                    "",
                    "acquisition",
                    "prospect",
                    "",
                    "",
                    "",
                    "CN",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    tokens(name),
                )
                for n, name in enumerate(names)
            ),
        )

        def contact_rows():
            for n in range(contacts):
                name = person(rng)
                email = f"c{n}@example{n % 97}.cn"
                yield (
                    org.pk,
                    owners[n % len(owners)],
                    _ts(now),
                    _ts(now),
                    1,
                    name,
                    "",
                    "",
                    "",
                    mobile(n),
                    "",
                    email,
                    "",
                    "",
                    False,
                    "",
                    tokens(name, email),
                    first_account + (n % accounts),
                )

        _insert("customers_contact", c_cols, contact_rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return names


def lead_data(i: int, contacts: int, account_names: list[str], rng: random.Random) -> dict:
    r = rng.random()
    data = {
        "name": person(rng),
        "region": rng.choice(REGIONS),
        "source": rng.choice(SOURCES),
        "message": "想了解贵司零食的经销政策和价格。",
        "utm": {"utm_source": rng.choice(["baidu", "wechat", "douyin"])},
    }
    if r < 0.25:  # an existing contact's mobile, typed the Chinese way
        n = rng.randrange(contacts)
        data["mobile"] = f"139 {n // 10_000:04d} {n % 10_000:04d}"
    else:
        data["mobile"] = f"136{rng.randrange(10**8):08d}"
    if rng.random() < 0.10:
        n = rng.randrange(contacts)
        data["email"] = f"C{n}@Example{n % 97}.cn"
    elif rng.random() < 0.5:
        data["email"] = f"lead{i}.{rng.randrange(10**6)}@mail.cn"
    if rng.random() < 0.20:  # an existing company under another legal suffix
        data["company"] = account_names[rng.randrange(len(account_names))].replace(
            "有限公司", "公司"
        )
    elif rng.random() < 0.6:
        data["company"] = company(rng, rng.randrange(10**6))
    return data


def in_parallel(workers: int, job) -> dict:
    """Run ``job(k)`` in ``workers`` forked processes at once (as web workers would take
    form posts); the rate is all their leads over the wall time of the slowest."""
    import multiprocessing

    from django.db import connection

    connection.close()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def run(k: int) -> None:
        from django.db import connection as child_connection

        child_connection.close()
        queue.put(job(k))
        child_connection.close()

    started = time.perf_counter()
    procs = [ctx.Process(target=run, args=(k,)) for k in range(workers)]
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    seconds = time.perf_counter() - started
    leads = sum(p["leads"] for p in parts)
    return {
        "leads": leads,
        "seconds": seconds,
        "per_second": leads / seconds,
        "p50": statistics.median(p["p50"] for p in parts),
        "p95": max(p["p95"] for p in parts),
    }


def _stats(samples: list[float], started: float, n: int, cpu_started: float = 0.0) -> dict:
    seconds = time.perf_counter() - started
    samples = sorted(samples)
    return {
        # CPU time of this process a lead (SQLite's work included; PostgreSQL's is not):
        # steadier than the rate when the machine is shared.
        "cpu_ms": (time.process_time() - cpu_started) / n * 1000 if cpu_started else None,
        "leads": n,
        "seconds": seconds,
        "per_second": n / seconds,
        "p50": statistics.median(samples) * 1000,
        "p95": samples[int(len(samples) * 0.95) - 1] * 1000,
    }


def measure_intake(org, n: int, contacts: int, account_names, rng) -> dict:
    from guanxi.leads.models import Lead, LeadMatch
    from guanxi.leads.services import lead_capture

    samples = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        data = lead_data(i, contacts, account_names, rng)
        t = time.perf_counter()
        lead_capture(organisation=org, data=data, channel="web_form", raw=dict(data))
        samples.append(time.perf_counter() - t)
    out = _stats(samples, started, n, cpu_started)
    out["with_duplicates"] = LeadMatch.objects.values("lead").distinct().count()
    out["assigned"] = Lead.objects.filter(owner__isnull=False).count()
    return out


class WSGIClient:
    """Sends requests into ``guanxi.config.wsgi.application`` — what ``guanxi serve`` runs,
    every middleware included — as a WSGI server hands them over. The server's own socket
    and HTTP parsing are left out (they are the same for every request and every CRM)."""

    def __init__(self, **headers: str):
        from guanxi.config.wsgi import application

        self.app = application
        self.headers = headers

    def post(self, path: str, body: str, **extra: str) -> tuple[int, bytes]:
        import io

        data = body.encode()
        target, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": target,
            "QUERY_STRING": query,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **self.headers,
            **extra,
        }
        status = []
        chunks = self.app(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return int(status[0].split()[0]), content


def measure_web_form(org, users, n: int, contacts: int, account_names, rng) -> dict:
    """Posts to the public form endpoint as a company website's visitors send them (JSON,
    another origin, each from its own address so the rate limit never refuses one)."""
    from guanxi.leads.models import WebForm

    form = WebForm.objects.get(organisation=org, name="官网表单")
    client = WSGIClient(
        HTTP_HOST="127.0.0.1", HTTP_ORIGIN="https://www.example.cn", HTTP_ACCEPT="application/json"
    )
    samples = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        data = lead_data(10**6 + i, contacts, account_names, rng)
        data.pop("source"), data.pop("utm")
        t = time.perf_counter()
        status, content = client.post(
            f"/f/{form.key}/?utm_source=baidu",
            json.dumps(data),
            REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
        )
        samples.append(time.perf_counter() - t)
        if status != 201:
            raise SystemExit(f"Web form answered {status}: {content[:300]}")
    return _stats(samples, started, n, cpu_started)


def measure_api(org, users, n: int, contacts: int, account_names, rng) -> dict:
    from guanxi.core.services import token_create

    admin = users["admin"]
    _token, secret = token_create(actor=admin, user=admin, name="bench")
    client = WSGIClient(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    samples = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        data = lead_data(n + i, contacts, account_names, rng)
        t = time.perf_counter()
        status, content = client.post("/api/v1/leads", json.dumps(data))
        samples.append(time.perf_counter() - t)
        if status != 201:
            raise SystemExit(f"API answered {status}: {content[:300]}")
    return _stats(samples, started, n, cpu_started)


def measure_reclaim(org, users, n: int, rng) -> dict:
    from django.db import connection, transaction

    from guanxi.leads.models import Lead, LeadStatus, Pool
    from guanxi.leads.services import pool_reclaim

    pool = Pool.objects.get(organisation=org)
    owners = [u.pk for k, u in users.items() if k != "admin"]
    now = datetime.now(UTC)
    old = now - timedelta(days=pool.reclaim_days + 3)
    cols = [
        "organisation_id",
        "owner_id",
        "created_at",
        "updated_at",
        "version",
        "kind",
        "status",
        "status_reason",
        "name",
        "company",
        "title",
        "mobile",
        "phone",
        "email",
        "wechat_id",
        "region",
        "province",
        "city",
        "industry",
        "address",
        "source",
        "channel",
        "campaign",
        "utm",
        "message",
        "marketing_consent",
        "raw",
        "invalid_reason",
        "score",
        "pool_id",
        "assigned_at",
        "touched_at",
        "search_tokens",
    ]
    statuses = [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED]
    empty_json = {} if connection.vendor == "postgresql" else "{}"
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        empty_json = Jsonb({})

    def rows():
        for i in range(n):
            touched = old if i % 5 else now
            yield (
                org.pk,
                owners[i % len(owners)],
                _ts(old),
                _ts(old),
                1,
                "sales",
                statuses[i % 3],
                "",
                person(rng),
                "",
                "",
                f"+86135{i:08d}",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "website",
                "web_form",
                "",
                empty_json,
                "",
                False,
                empty_json,
                "",
                30,
                pool.pk,
                _ts(old),
                _ts(touched),
                "",
            )

    with transaction.atomic():
        _insert("leads_lead", cols, rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    due = Lead.objects.filter(
        pool=pool, owner__isnull=False, touched_at__lt=now - timedelta(days=1)
    )
    expected = due.count()
    t = time.perf_counter()
    reclaimed = pool_reclaim(now=now)
    seconds = time.perf_counter() - t
    # the raw-path ceiling: a bare UPDATE of as many rows (given back to their owners first)
    with transaction.atomic():
        Lead.objects.filter(pool=pool, owner__isnull=True).update(owner_id=owners[0])
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET owner_id = NULL WHERE pool_id = %s AND touched_at < %s",
            [pool.pk, now - timedelta(days=1)],
        )
    raw_seconds = time.perf_counter() - t
    return {
        "leads": n,
        "due": expected,
        "reclaimed": reclaimed,
        "seconds": seconds,
        "raw_seconds": raw_seconds,
    }


if __name__ == "__main__":
    main()
