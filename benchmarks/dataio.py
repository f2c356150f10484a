"""Import and export benchmark: a million contacts in, a million rows out.

    python benchmarks/dataio.py --db sqlite|postgres|both [--rows 1000000]
                                [--xlsx-rows 1000000] [--runs 1] [--json FILE]

For each database, in a fresh database (SQLite in a temporary GUANXI_HOME, PostgreSQL in
``gx_bench_dataio``, dropped and created again):

1. generates a CSV (GB18030, as Chinese Excel saves it) of ``--rows`` contacts — half
   Chinese, half Latin names, mobiles written as people type them (138 0013 8000), emails
   in mixed case, 1 % repeating an earlier mobile (duplicates), 0.5 % with a bad mobile —
   and an XLSX of ``--xlsx-rows`` of the same;
2. **import**: ``guanxi import contact FILE`` in a process of its own (the real command:
   streaming, worker processes, normalisation, validation, the duplicate check on email and
   mobile, search tokens, the rows recorded for undo), timed, with the peak memory of the
   command and of its largest worker process;
3. **raw path**, in the same run, into the same table (another organisation): the same
   rows read from the CSV and written as they are, with ``executemany`` (SQLite) or ``COPY``
   (PostgreSQL) in one transaction — no cleaning, no checks; the import's time is printed as
   a ratio to it;
4. checks that imported contacts are found by search (张伟, a mobile);
5. **export**: the million contacts to CSV through ``guanxi export`` (scoped selector,
   audit entry, formula neutralisation), timed, with its peak memory.

Medians over ``--runs`` runs of each. Not a test: run it by hand and record the figures in
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core import ROOT, machine
from leads import LATIN_FIRST, LATIN_LAST, chinese_name

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "gx_bench_dataio"
TITLES = ["经理", "采购", "总监", "Buyer", "Manager", "店长", "老板", ""]
HEADER = ["姓名", "手机", "邮箱", "职务", "部门"]
TARGET_SECONDS = 120
TARGET_MB = 500


def rows(n: int, seed: int):
    rng = random.Random(seed)
    for i in range(n):
        latin = f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
        name = chinese_name(rng) if i % 2 else latin
        number = f"139{i:08d}"
        if i % 200 == 7:
            number = "12345"  # not a phone number
        elif i % 100 == 3 and i > 100:
            number = f"139{i - 50:08d}"  # an earlier row's mobile
        if i % 3 == 0:
            number = f"{number[:3]} {number[3:7]} {number[7:]}"
        email = f"{'User' if i % 4 == 0 else 'user'}{i}@Example{i % 97}.com"
        yield [name, number, email, rng.choice(TITLES), "销售部" if i % 5 == 0 else ""]


def write_csv(path: Path, n: int, seed: int) -> None:
    import csv

    with open(path, "w", encoding="gb18030", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        out.writerows(rows(n, seed))


def write_xlsx(path: Path, n: int, seed: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows(n, seed):
        sheet.append(row)
    book.save(path)


# --- Parent ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="write all results to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    data = Path(tempfile.mkdtemp(prefix="gx-bench-dataio-data-"))
    t0 = time.perf_counter()
    write_csv(data / "contacts.csv", args.rows, args.seed)
    if args.xlsx_rows:
        write_xlsx(data / "contacts.xlsx", args.xlsx_rows, args.seed)
    print(f"data written in {time.perf_counter() - t0:.0f} s", flush=True)
    results = []
    try:
        for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
                out = tmp.name
            cmd = [sys.executable, __file__, "--worker", db, "--out", out, "--data", str(data)]
            for name in ("rows", "xlsx_rows", "runs", "seed"):
                cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
            print(f"\n=== {db} ===", flush=True)
            subprocess.run(cmd, check=True, cwd=ROOT)
            results.append(json.loads(Path(out).read_text()))
            os.unlink(out)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    summary(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


def summary(results: list[dict]) -> None:
    m = results[0]["machine"]
    print(f"\nMachine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, Python {m['python']}")
    for r in results:
        print(
            f"\n{r['db']} {r['version']}: CSV {r['rows']:,} rows ({r['csv_mb']:.0f} MB), "
            f"XLSX {r['xlsx_rows']:,} rows ({r['xlsx_mb']:.0f} MB); medians of {r['runs']} run(s)"
        )
        raw = r["raw"]["seconds"]
        for key in ("import_csv", "import_xlsx"):
            x = r.get(key)
            if not x:
                continue
            ok_time = "ok" if x["seconds"] <= TARGET_SECONDS else "MISSED"
            ok_mem = "ok" if x["peak_mb_total"] <= TARGET_MB else "MISSED"
            print(
                f"  {key:<12} {x['seconds']:7.1f} s = {x['per_second']:7.0f} rows/s "
                f"(CPU {x['cpu_seconds']:.0f} s in all processes), "
                f"{x['ratio']:.1f}× the raw path; created {x['counts']['created']:,}, "
                f"skipped {x['counts']['skipped']:,}, refused {x['counts']['failed']:,}; "
                f"peak memory {x['peak_mb_main']:.0f} MB + worker {x['peak_mb_worker']:.0f} MB"
                f" (≤ {x['peak_mb_total']:.0f} MB in all); ≤ {TARGET_SECONDS} s {ok_time}, "
                f"≤ {TARGET_MB} MB {ok_mem}"
            )
        print(
            f"  raw path     {raw:7.1f} s = {r['raw']['per_second']:7.0f} rows/s "
            f"({'COPY' if r['db'] == 'postgres' else 'executemany'}, same table, no checks)"
        )
        s = r["search"]
        print(f"  search after import: 张伟 {s['zhang_wei']} found, mobile {s['mobile']} found")
        e = r["export_csv"]
        print(
            f"  export CSV   {e['seconds']:7.1f} s = {e['per_second']:7.0f} rows/s "
            f"(CPU {e['cpu_seconds']:.0f} s), "
            f"{e['rows']:,} rows, peak memory {e['peak_mb']:.0f} MB"
        )


# --- Worker -----------------------------------------------------------------------------------


def worker(args) -> None:
    db = args.worker
    data = Path(args.data)
    home = tempfile.mkdtemp(prefix="gx-bench-dataio-")
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
    out = {
        "db": db,
        "version": version,
        "rows": args.rows,
        "xlsx_rows": args.xlsx_rows,
        "runs": args.runs,
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "csv_mb": (data / "contacts.csv").stat().st_size / 1e6,
        "xlsx_mb": (data / "contacts.xlsx").stat().st_size / 1e6 if args.xlsx_rows else 0,
    }
    found: dict[str, list[dict]] = {"csv": [], "xlsx": []}
    raws = []
    for run in range(args.runs):
        for fmt, n in (("csv", args.rows), ("xlsx", args.xlsx_rows)):
            if not n:
                continue
            username = new_admin(f"{fmt}{run}")
            argv = ["import", "contact", str(data / f"contacts.{fmt}"), "--user", username]
            found[fmt].append(run_command(argv, n))
            print(f"import {fmt}: {found[fmt][-1]['seconds']:.1f} s", flush=True)
            if fmt == "csv":
                raws.append(raw_path(data / "contacts.csv", run))
                print(f"raw path: {raws[-1]['seconds']:.1f} s", flush=True)
    out["raw"] = median_of(raws)
    for fmt, results in found.items():
        if results:
            out[f"import_{fmt}"] = median_of(results)
            out[f"import_{fmt}"]["ratio"] = out[f"import_{fmt}"]["seconds"] / out["raw"]["seconds"]
            if fmt == "xlsx":  # the raw path's time for as many rows
                out[f"import_{fmt}"]["ratio"] *= args.rows / args.xlsx_rows
    out["search"] = search_check()
    exports = []
    for _run in range(args.runs):
        exports.append(
            run_command(
                ["export", "contact", "--user", "csv0", "-o", str(Path(home) / "export.csv")],
                args.rows,
            )
        )
        print(f"export CSV: {exports[-1]['seconds']:.1f} s", flush=True)
    out["export_csv"] = median_of(exports)
    out["export_csv"]["rows"] = count_lines(Path(home) / "export.csv") - 1
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False))
    connection.close()
    if db == "sqlite":
        shutil.rmtree(home, ignore_errors=True)


PROBE = """
import json, resource, sys, time, django
django.setup()
from django.core.management import call_command
started = time.perf_counter()
call_command(*sys.argv[1:], stdout=sys.stderr)
seconds = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "seconds": seconds,
    "cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    "peak_mb_main": me.ru_maxrss / 1024,
    "peak_mb_worker": kids.ru_maxrss / 1024,
}))
"""


def new_admin(name: str) -> str:
    """An organisation of its own (so no import meets another's duplicates) and its admin."""
    from django.db import connection

    from guanxi.core.services import organisation_create, user_create

    org = organisation_create(name=f"鑫味食品 {name}", slug=name, language="zh-hans")
    user_create(actor=None, organisation=org, username=name, password="x" * 12, role_code="admin")
    connection.close()
    return name


def run_command(argv: list[str], n: int) -> dict:
    """A ``guanxi`` command in a fresh process: its time and peak memory (self, children)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ,
    )
    if done.returncode:
        print(done.stderr[-3000:])
        raise SystemExit(done.returncode)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["per_second"] = n / result["seconds"]
    result["peak_mb"] = result["peak_mb_main"]
    # The command and its worker processes (IMPORT_WORKERS of them) at their peaks at once.
    from django.conf import settings

    workers = settings.IMPORT_WORKERS if argv[0] == "import" else 0
    result["peak_mb_total"] = result["peak_mb_main"] + workers * result["peak_mb_worker"]
    if argv[0] == "import":
        from guanxi.dataio.models import ImportJob

        job = ImportJob.objects.order_by("-id").first()
        result["counts"] = job.counts
    return result


def raw_path(path: Path, run: int) -> dict:
    """The same rows, as they are in the file, into the same table, in one transaction."""
    import csv

    from django.db import connection, transaction
    from django.utils import timezone

    from guanxi.core.models import Organisation, User
    from guanxi.dataio.importer import bulk

    org = Organisation.objects.create(name=f"raw{run}", slug=f"raw-{run}")
    owner = User.objects.create(username=f"raw{run}", organisation=org)
    now = timezone.now()
    columns = [
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
    ]
    started = time.perf_counter()
    with open(path, encoding="gb18030", newline="") as handle, transaction.atomic():
        reader = csv.reader(handle)
        next(reader)
        batch = []
        for name, mobile, email, title, department in reader:
            batch.append(
                (
                    org.pk,
                    owner.pk,
                    now,
                    now,
                    1,
                    name,
                    "",
                    title,
                    department,
                    mobile,
                    "",
                    email,
                    "",
                    "",
                    False,
                    "",
                    name,
                )
            )
            if len(batch) == 10_000:
                bulk.insert("customers_contact", columns, batch)
                batch = []
        bulk.insert("customers_contact", columns, batch)
    seconds = time.perf_counter() - started
    connection.close()
    n = count_lines(path) - 1
    return {"seconds": seconds, "per_second": n / seconds}


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def search_check() -> dict:
    from guanxi.core.models import User
    from guanxi.customers.selectors import contact_list

    admin = User.objects.get(username="csv0")
    return {
        "zhang_wei": len(contact_list(admin, q="张伟", limit=50).items),
        "mobile": len(contact_list(admin, q="13900000002", limit=50).items),
    }


def median_of(results: list[dict]) -> dict:
    out = dict(results[0])
    for key, value in results[0].items():
        if isinstance(value, int | float):
            out[key] = statistics.median(r[key] for r in results)
    return out


if __name__ == "__main__":
    main()
