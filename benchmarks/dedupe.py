"""Duplicate detection benchmark: a million contacts, time and quality, SQLite and PostgreSQL.

    python benchmarks/dedupe.py --db sqlite|postgres|both [--contacts 1000000] [--runs 3]
                                [--json FILE]

For each database, in a fresh one (SQLite in a temporary GUANXI_HOME, PostgreSQL in
``gx_bench_dedupe``, dropped and created again):

1. generates the labelled set of ``benchmarks/dedupe_data.py`` — ``--contacts`` contacts,
   half Chinese and half Latin names, at a fifth as many accounts, a tenth of the people and
   companies entered again with typos, swapped or pinyin names, missing fields, other phone
   formats, email case and company suffixes — and writes it straight into the tables
   (``executemany`` / ``COPY``), phones and emails as the corruptions left them;
2. runs the duplicate search job (``dataio.dedupe.runner.execute``: read the columns in
   chunks, block, score, cluster, store the groups) ``--runs`` times for contacts, and once
   for accounts, timing each;
3. counts precision, recall and F1 over pairs of the stored groups against the labels.

Targets (issue #5): ≤ 120 s for 1,000,000 contacts, precision ≥ 0.95, recall ≥ 0.90.
Not a test: run it by hand and record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core import ROOT, machine
from dedupe_data import generate, quality, true_pairs
from leads import _insert

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "gx_bench_dedupe"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
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
        for name in ("contacts", "runs", "seed"):
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
        for key in ("contact", "account"):
            x = r[key]
            ok = x["median"] <= 120 and x["precision"] >= 0.95 and x["recall"] >= 0.90
            print(
                f"  {key + 's':<9} median {x['median']:6.1f} s (min {x['min']:.1f}, max "
                f"{x['max']:.1f}, {len(x['seconds'])} runs); {x['groups']:,} groups; "
                f"precision {x['precision']:.4f} recall {x['recall']:.4f} F1 {x['f1']:.4f} "
                f"({x['pairs']:,} true pairs)  target ≤ 120 s, P ≥ 0.95, R ≥ 0.90 "
                f"{'ok' if ok else 'MISSED'}"
            )


def worker(args) -> None:
    db = args.worker
    home = tempfile.mkdtemp(prefix="gx-bench-dedupe-")
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
    from guanxi.core.services import organisation_create, user_create

    org = organisation_create(name="鑫味食品有限公司", slug="xinwei", language="zh-hans")
    admin = user_create(
        actor=None,
        organisation=org,
        username="admin",
        password="x" * 12,
        role_code="admin",
    )
    t0 = time.perf_counter()
    labelled = generate(args.contacts, seed=args.seed)
    print(f"generated {len(labelled.contacts):,} contacts in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    account_ids, contact_ids = write(org, admin, labelled)
    print(f"written in {time.perf_counter() - t0:.0f} s", flush=True)
    out = {
        "db": db,
        "version": version,
        "contacts": len(labelled.contacts),
        "accounts": len(labelled.accounts),
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "contact": measure(
            org, admin, "contact", args.runs, true_pairs(contact_ids, labelled.contact_entity)
        ),
        "account": measure(
            org, admin, "account", 1, true_pairs(account_ids, labelled.account_entity)
        ),
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False))
    connection.close()
    if db == "sqlite":
        shutil.rmtree(home, ignore_errors=True)


def write(org, admin, labelled) -> tuple[list[int], list[int]]:
    """The labelled records straight into their tables; their ids there, in order."""
    from django.db import connection, transaction

    now = datetime.now(UTC).isoformat() if connection.vendor == "sqlite" else datetime.now(UTC)
    common = ["organisation_id", "owner_id", "created_at", "updated_at", "version"]
    a_cols = [*common, "name", "kind", "industry", "region", "source", "grade"]
    a_cols += ["lifecycle_stage", "status", "phone", "email", "website", "country", "province"]
    a_cols += ["city", "address", "postal_code", "shipping_address", "description"]
    a_cols += ["search_tokens"]
    c_cols = [*common, "name", "gender", "title", "department", "mobile", "phone", "email"]
    c_cols += ["wechat_id", "address", "marketing_consent", "notes", "search_tokens"]
    c_cols += ["account_id"]
    head = (org.pk, admin.pk, now, now, 1)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "customers_account"')
            first_account = cursor.fetchone()[0] + 1
            cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "customers_contact"')
            first_contact = cursor.fetchone()[0] + 1
        _insert(
            "customers_account",
            a_cols,
            (
                (
                    *head,
                    name,
                    "b2b",
                    "",
                    "",
                    "",
                    "",
                    "acquisition",
                    "prospect",
                    phone,
                    email,
                    "",
                    "CN",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
                for _aid, name, phone, email in labelled.accounts
            ),
        )
        _insert(
            "customers_contact",
            c_cols,
            (
                (
                    *head,
                    name,
                    "",
                    "",
                    "",
                    mobile,
                    "",
                    email,
                    "",
                    "",
                    False,
                    "",
                    "",
                    first_account + account - 1 if account else None,
                )
                for _cid, name, account, mobile, email in labelled.contacts
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    account_ids = [first_account + a[0] - 1 for a in labelled.accounts]
    contact_ids = [first_contact + c[0] - 1 for c in labelled.contacts]
    return account_ids, contact_ids


def measure(org, admin, object_type: str, runs: int, truth: set) -> dict:
    from itertools import combinations

    from guanxi.dataio.dedupe.runner import execute
    from guanxi.dataio.models import DedupeRun, DuplicateCluster

    seconds = []
    for _ in range(runs):
        run = DedupeRun.objects.create(
            organisation=org, created_by=admin, object_type=object_type, threshold=80
        )
        t0 = time.perf_counter()
        execute(run)
        seconds.append(time.perf_counter() - t0)
        print(f"{object_type}s: {seconds[-1]:.1f} s, {run.clusters:,} groups", flush=True)
    found = set()
    for pairs in DuplicateCluster.objects.filter(
        organisation=org, object_type=object_type, status="open"
    ).values_list("pairs", flat=True):
        members = sorted({m for p in pairs for m in p[:2]})
        found.update(combinations(members, 2))
    return {
        "seconds": seconds,
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "groups": run.clusters,
        **quality(found, truth),
    }


if __name__ == "__main__":
    main()
