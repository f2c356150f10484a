"""Load the demo organisation fast: services for the few setup rows, bulk writes for the rest.

The organisation, its roles, default pipeline, teams, users and tags are created by the
same services a real organisation goes through. The business rows (accounts, contacts,
deals, activities and one event per record) are generated as tuples and written with
``executemany`` (SQLite) or ``COPY`` (PostgreSQL) in one transaction, with the search index
suspended and rebuilt afterwards. For big loads the secondary indexes whose keys arrive in
random order (names, dates, amounts) are dropped and re-created after the load, which sorts
each once instead of updating it all over; those written in key order are kept. On
PostgreSQL the foreign keys' per-row triggers are skipped or the keys re-added after; on
SQLite the load writes through a rollback journal rather than the WAL when it can.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from queue import Empty

from django.apps import apps
from django.db import OperationalError, connection, models, transaction

from guanxi.core import search
from guanxi.core.models import Organisation, Team, User
from guanxi.core.services import organisation_create, tags_ensure, team_create, user_create
from guanxi.demo.generator import BLOCK, COLUMNS, ID_TABLES, TABLES, Context, Generator
from guanxi.leads import load as open_leads
from guanxi.sales import totals
from guanxi.sales.models import Pipeline, Stage

ORG_NAME = "鑫味食品有限公司"
ORG_SLUG = "xinwei-foods-demo"
PASSWORD = "guanxi-demo"
URL = "http://127.0.0.1:8000"
SIZES = {"small": 1_000, "medium": 100_000, "large": 1_000_000}
DEFAULT_SEED = 2026
# From this many accounts on, drop secondary indexes (and PostgreSQL foreign keys) around
# the load and build them once at the end.
BULK_THRESHOLD = 20_000
SEARCH_TABLES = ("customers_account", "customers_contact", "sales_opportunity")

TOP_TEAM = "销售部"
# team name -> regions whose accounts its rep owns
REGION_TEAMS = {
    "华东大区": ("east",),
    "华北大区": ("north", "northeast"),
    "华南大区": ("south",),
    "中西部大区": ("central", "southwest", "northwest"),
    "海外业务部": ("overseas",),
}
# username, role, team (None: no team; TOP_TEAM or a region team), surname, given name
USERS = (
    ("admin", "admin", None, "赵", "敏"),
    ("manager", "sales_manager", TOP_TEAM, "陈", "建华"),
    ("rep1", "sales_rep", "华东大区", "李", "娜"),
    ("rep2", "sales_rep", "华北大区", "王", "磊"),
    ("rep3", "sales_rep", "华南大区", "张", "婷"),
    ("rep4", "sales_rep", "中西部大区", "刘", "洋"),
    ("rep5", "sales_rep", "海外业务部", "Carter", "Emily"),
)
TAGS = ("重点客户", "连锁", "新客户", "春节礼盒", "Export")


class DemoExists(Exception):
    """The demo organisation is already there."""


@dataclass
class LoadResult:
    organisation: Organisation
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def demo_organisation() -> Organisation | None:
    return Organisation.objects.filter(slug=ORG_SLUG).first()


def load(
    *,
    accounts: int,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    bulk: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Create the demo organisation with ``accounts`` accounts and everything around them."""
    if demo_organisation() is not None:
        raise DemoExists(ORG_SLUG)
    say = progress or (lambda message: None)
    bulk = accounts >= BULK_THRESHOLD if bulk is None else bulk
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    vendor = connection.vendor
    started = time.perf_counter()
    phases: dict[str, float] = {}
    sqlite_fk_off = vendor == "sqlite" and not connection.in_atomic_block
    journal = None
    if sqlite_fk_off:
        # Generated rows are consistent by construction; skip per-row parent lookups.
        # (The pragma is a no-op inside a transaction, so it is set before it opens.)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=OFF")
            if bulk and SQLITE_BULK_JOURNAL:
                journal = _set_journal_mode(cursor, SQLITE_BULK_JOURNAL)
    try:
        with transaction.atomic():
            org, ctx = _setup(now)
            counts = _bulk_load(
                ctx, accounts=accounts, seed=seed, bulk=bulk, say=say, phases=phases
            )
            t0 = time.perf_counter()
        phases["commit"] = time.perf_counter() - t0
    finally:
        if sqlite_fk_off:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys=ON")
                if journal:
                    _set_journal_mode(cursor, journal)
    result = LoadResult(org, counts, time.perf_counter() - started, phases)
    say(f"{result.rows:,} rows in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s)")
    return result


# In WAL mode a bulk load writes every page twice: into the WAL during the transaction,
# then into the database file at the checkpoint after it (≈ 40 s for the large set). With
# a rollback journal, pages the load adds to the file are written once and need no journal.
# Switching needs the database to itself (no other connection); if it is busy the load
# stays in WAL mode. The previous mode is restored afterwards.
SQLITE_BULK_JOURNAL = "delete"


def _set_journal_mode(cursor, mode: str) -> str | None:
    """Switch the SQLite journal mode; the previous mode, or None if it did not change."""
    cursor.execute("PRAGMA journal_mode")
    previous = cursor.fetchone()[0]
    if previous.lower() == mode.lower():
        return None
    try:
        cursor.execute("PRAGMA busy_timeout")
        timeout = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout=0")  # another connection: do not wait for it
        try:
            cursor.execute(f"PRAGMA journal_mode={mode}")
            changed = cursor.fetchone()[0].lower() == mode.lower()
        finally:
            cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
    except OperationalError:
        changed = False
    return previous if changed else None


# --- Setup through the services ---------------------------------------------------------------


def _setup(now: datetime) -> tuple[Organisation, Context]:
    org = organisation_create(name=ORG_NAME, slug=ORG_SLUG, language="zh-hans", currency="CNY")
    top = team_create(actor=None, organisation=org, name=TOP_TEAM)
    teams = {TOP_TEAM: top}
    for name in REGION_TEAMS:
        teams[name] = team_create(actor=None, organisation=org, name=name, parent=top)
    users: dict[str, User] = {}
    for username, role, team, last, first in USERS:
        users[username] = user_create(
            actor=None,
            organisation=org,
            username=username,
            password=PASSWORD,
            role_code=role,
            team=teams[team] if team else None,
            first_name=first,
            last_name=last,
            email=f"{username}@xinwei-foods.example",
            check_password=False,
        )
    tags = tags_ensure(actor=users["admin"], names=list(TAGS))
    pipeline = Pipeline.objects.get(organisation=org, is_default=True)
    stages = [
        (s.pk, s.name, s.kind) for s in Stage.objects.filter(pipeline=pipeline).order_by("position")
    ]
    owners: dict[str, list[int]] = {}
    for username, _, team, *_ in USERS:
        for region in REGION_TEAMS.get(team or "", ()):
            owners.setdefault(region, []).append(users[username].pk)
    ctx = Context(
        organisation_id=org.pk,
        owners=owners,
        manager_id=users["manager"].pk,
        pipeline_id=pipeline.pk,
        stages=stages,
        tags={t.name: t.pk for t in tags},
        now=now,
    )
    return org, ctx


# --- Bulk writes --------------------------------------------------------------------------------


def _bulk_load(ctx, *, accounts, seed, bulk, say, phases) -> dict[str, int]:
    vendor = connection.vendor
    counts = dict.fromkeys(TABLES, 0)
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        if vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        else:
            cursor.execute("PRAGMA cache_size=-1048576")  # 1 GiB for the load
            cursor.execute("PRAGMA threads=2")  # sort with a helper thread in CREATE INDEX
        search.suspend_index(cursor, vendor, SEARCH_TABLES)
        totals.suspend(cursor, vendor)
        saved = _drop_secondary(cursor, vendor) if bulk else _Saved()
        gen = Generator(ctx, seed=seed, next_ids=_next_ids(cursor, vendor))
        phases["prepare"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        write = _sqlite_writer() if vendor == "sqlite" else _postgres_writer()
        blocks = [(i, min(BLOCK, accounts - i * BLOCK)) for i in range(-(-accounts // BLOCK))]
        done = 0
        last_report = time.perf_counter()
        # On PostgreSQL the server parses COPY on the other core while we generate, so a
        # second generating process pays; on SQLite writing is in this process and the
        # pickling costs what the second process saves (measured), so it stays serial.
        parallel = bulk and vendor == "postgresql"
        for (_, n), batch in zip(blocks, _batches(gen, blocks, parallel=parallel), strict=True):
            for table in TABLES:
                rows = batch[table]
                if rows:
                    write(table, rows)
                    counts[table] += len(rows)
            done += n
            if time.perf_counter() - last_report > 10:
                last_report = time.perf_counter()
                total = sum(counts.values())
                say(
                    f"  {done:,} accounts, {total:,} rows, {total / (last_report - t0):,.0f} rows/s"
                )
        phases["write"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        if vendor == "postgresql":
            # Run the deferred foreign-key checks of the rows just written: a table with
            # pending trigger events cannot be indexed.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _restore_secondary(cursor, vendor, saved)
        phases["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        search.rebuild_index(cursor, vendor, SEARCH_TABLES)
        totals.rebuild(cursor, vendor, [ctx.organisation_id])
        if vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        phases["search_index"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if vendor == "postgresql":
            for table in ID_TABLES:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))',
                    [table],
                )
            for table in TABLES:
                cursor.execute(f'ANALYZE "{table}"')
        else:
            # Sample each index instead of reading all of it (seconds, not minutes, at 1M).
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA threads=0")
        phases["analyze"] = time.perf_counter() - t0
    return counts


def _batches(gen: Generator, blocks: list[tuple[int, int]], *, parallel: bool):
    """The blocks' rows in order; generated by a second process while this one writes."""
    if not parallel or "fork" not in mp.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        for number, n in blocks:
            yield gen.block(number, n).rows
        return
    context = mp.get_context("fork")
    queue = context.Queue(maxsize=3)
    producer = context.Process(target=_produce, args=(gen, blocks, queue), daemon=True)
    producer.start()
    try:
        for _ in blocks:
            while True:
                try:
                    item = queue.get(timeout=5)
                    break
                except Empty:
                    if not producer.is_alive():
                        raise RuntimeError("The demo data generator stopped.") from None
            if isinstance(item, str):
                raise RuntimeError(f"The demo data generator failed:\n{item}")
            yield item
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join()


def _produce(gen: Generator, blocks: list[tuple[int, int]], queue) -> None:
    """In the forked generator process: never touches the database connection."""
    try:
        for number, n in blocks:
            queue.put(gen.block(number, n).rows)
    except Exception:
        queue.put(traceback.format_exc())
    queue.close()
    queue.join_thread()


def _next_ids(cursor, vendor: str) -> dict[str, int]:
    """The first free id of each table, so foreign keys are known without round trips."""
    ids = {}
    for table in ID_TABLES:
        if vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            ids[table] = cursor.fetchone()[0]
        else:
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            ids[table] = max(top, row[0] if row else 0) + 1
    return ids


def _sqlite_writer():
    raw = connection.connection.cursor()

    def write(table: str, rows: list[tuple]) -> None:
        columns = COLUMNS[table]
        raw.executemany(
            f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608
            f"VALUES ({', '.join('?' * len(columns))})",
            rows,
        )

    return write


def _postgres_writer():
    raw = connection.connection.cursor()

    def write(table: str, rows: list[tuple]) -> None:
        with raw.copy(f'COPY "{table}" ({", ".join(COLUMNS[table])}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    return write


@dataclass
class _Saved:
    indexes: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    replica: bool = False


# The generator writes rows in id order, block after block, so most index keys arrive in
# order too: foreign keys to rows of the same load grow (account_id, object_id…), and
# low-cardinality columns (owner, stage, verb…) followed by a growing one put each new
# entry at the end of its group. Such an index costs little to keep during the load; an
# index that reaches a randomly ordered column (a name, a date, an amount) first is
# updated all over and is cheaper dropped and built once at the end. ``KEEP_ORDERED``
# says per database whether to keep the ordered ones. Measured (benchmarks/README.md):
# PostgreSQL's B-trees insert at their rightmost leaf on a fast path, and keeping them saved
# 55 s of 208 at 300,000 accounts; SQLite's row-by-row index inserts cost about what its
# sorted builds save (-3 s of 178 at 300,000 accounts, about +40 s of 615 at a million),
# so it builds them all at the end.
RANDOM_COLUMNS = frozenset({"name", "updated_at", "email", "mobile", "due_at", "amount"})
GROWING_COLUMNS = frozenset({"id", "account_id", "contact_id", "opportunity_id", "object_id"})
KEEP_ORDERED = {"sqlite": False, "postgresql": True}


def written_in_order(columns: list[str]) -> bool:
    """Whether the load writes an index on ``columns`` in (or near) key order."""
    for column in columns:
        if column in RANDOM_COLUMNS:
            return False
        if column in GROWING_COLUMNS:
            return True
    return True  # only low-cardinality columns: a few groups, each appended to


def _index_columns(definition: str) -> list[str]:
    """The column names of a CREATE INDEX statement, in order."""
    inside = definition[definition.index("(", definition.upper().index(" ON ")) + 1 :]
    inside = inside[: inside.rindex(")")]
    return [part.strip().split()[0].strip('"') for part in inside.split(",")]


def _drop_secondary(cursor, vendor: str) -> _Saved:
    """Drop the loaded tables' secondary indexes (and PostgreSQL foreign keys); keep the DDL.

    With ``KEEP_ORDERED``, indexes the load writes in key order stay (see above).
    """
    saved = _Saved()
    tables = list(TABLES)
    keep_ordered = KEEP_ORDERED.get(vendor, False)
    if vendor == "sqlite":
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({marks})",
            tables,
        )
        for name, sql in cursor.fetchall():
            if keep_ordered and written_in_order(_index_columns(sql)):
                continue
            saved.indexes.append(sql)
            cursor.execute(f'DROP INDEX "{name}"')
        return saved
    # Check the setup rows' deferred foreign keys now: a table with pending trigger events
    # cannot be altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        # Like ``pg_restore --disable-triggers`` (superusers only): no per-row foreign-key
        # triggers for rows that are consistent by construction, and nothing to re-validate.
        cursor.execute("SET LOCAL session_replication_role = replica")
        saved.replica = True
    else:
        # Otherwise drop the foreign keys and add them back (one validating scan each).
        cursor.execute(
            "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relname = ANY(%s)",
            [tables],
        )
        for name, table, definition in cursor.fetchall():
            saved.foreign_keys.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [tables],
    )
    for name, definition in cursor.fetchall():
        if keep_ordered and written_in_order(_index_columns(definition)):
            continue
        saved.indexes.append(definition)
        cursor.execute(f'DROP INDEX "{name}"')
    return saved


def _restore_secondary(cursor, vendor: str, saved: _Saved) -> None:
    if saved.replica:
        cursor.execute("SET LOCAL session_replication_role = origin")
    for sql in saved.indexes:
        cursor.execute(sql)
    for sql in saved.foreign_keys:
        cursor.execute(sql)


# --- Removing the demo ------------------------------------------------------------------------


def delete_demo() -> bool:
    """Delete the demo organisation and everything in it; False if there is none."""
    org = demo_organisation()
    if org is None:
        return False
    vendor = connection.vendor
    tenant_models = [
        m
        for m in apps.get_models(include_auto_created=False)
        if any(
            isinstance(f, models.ForeignKey)
            and f.name == "organisation"
            and f.related_model is Organisation
            for f in m._meta.get_fields()
        )
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are deferred (checked at commit), so the order of deletes is free.
        # SQLite's FTS triggers would delete row by row: rebuild the index once instead.
        if vendor == "sqlite":
            search.suspend_index(cursor, vendor, SEARCH_TABLES)
        # The deals' totals and the open-lead counts go with the organisation: no per-row
        # upkeep on the way.
        totals.suspend(cursor, vendor)
        open_leads.suspend(cursor, vendor)
        for model in tenant_models:
            table = model._meta.db_table
            for m2m in model._meta.local_many_to_many:
                through = m2m.remote_field.through._meta
                source = next(
                    f.column
                    for f in through.fields
                    if isinstance(f, models.ForeignKey) and f.related_model is model
                )
                cursor.execute(
                    f'DELETE FROM "{through.db_table}" WHERE "{source}" IN '  # noqa: S608
                    f'(SELECT id FROM "{table}" WHERE organisation_id = %s)',
                    [org.pk],
                )
            if model is Team:
                cursor.execute(
                    f'UPDATE "{table}" SET parent_id = NULL WHERE organisation_id = %s',  # noqa: S608
                    [org.pk],
                )
        for model in tenant_models:
            cursor.execute(
                f'DELETE FROM "{model._meta.db_table}" WHERE organisation_id = %s',  # noqa: S608
                [org.pk],
            )
        cursor.execute("DELETE FROM core_organisation WHERE id = %s", [org.pk])
        if vendor == "sqlite":
            search.rebuild_index(cursor, vendor, SEARCH_TABLES)
        totals.resume(cursor, vendor)
        open_leads.resume(cursor, vendor)
    return True
