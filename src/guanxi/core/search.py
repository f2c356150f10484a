"""Full-text search for Latin and Chinese text, the same on SQLite and PostgreSQL.

Each searchable table has a ``search_tokens`` column that services fill with ``tokens()``:
Latin words folded to lower case, and every Chinese character alone and in pairs, so a
two-character fragment such as 张伟 or 鑫盛 is one indexed token (a trigram index cannot
match two characters). SQLite indexes the column with FTS5 (kept current by triggers),
PostgreSQL with a GIN index over ``to_tsvector('simple', search_tokens)``. ``search()`` is the
one entry point; callers never write MATCH or @@ themselves.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, migrations, models
from django.db.models.expressions import RawSQL

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+")
WORD = re.compile(r"[0-9a-z]+")
MAX_QUERY_TERMS = 8


# Text made only of ASCII and CJK unified ideographs is unchanged by NFKC, NFKD and
# casefolding except for ASCII case: fold it with one ``lower()`` (bulk loads call this a lot).
_PLAIN = re.compile(r"[\x00-\x7f\u4e00-\u9fff]*")


def _fold(text: str) -> str:
    if _PLAIN.fullmatch(text):
        return text.lower()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokens(*texts: object) -> str:
    """The space-separated token string stored in ``search_tokens``."""
    out: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        folded = _fold(str(text))
        for run in CJK_RUN.findall(folded):
            for i, ch in enumerate(run):
                out[ch] = None
                if i + 1 < len(run):
                    out[run[i : i + 2]] = None
        for word in WORD.findall(CJK_RUN.sub(" ", folded)):
            out[word] = None
    return " ".join(out)


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool


def parse_query(query: str) -> list[Term]:
    """Terms that must all match: Latin words as prefixes, Chinese as characters or pairs."""
    terms: dict[Term, None] = {}
    folded = _fold(query or "")
    for run in CJK_RUN.findall(folded):
        if len(run) == 1:
            terms[Term(run, False)] = None
        for i in range(len(run) - 1):
            terms[Term(run[i : i + 2], False)] = None
    for word in WORD.findall(CJK_RUN.sub(" ", folded)):
        terms[Term(word, True)] = None
    return list(terms)[:MAX_QUERY_TERMS]


# The order of search results when no other is asked for: most recently added first, which
# is the order the full-text indexes return matches in (see ``search``).
NEWEST = "-id"
# The extra column holding the id a search is ordered by — on SQLite the full-text index's
# rowid, on PostgreSQL "id + 0" for a rare term; ``paginate`` orders and pages by it instead
# of the table's id (the same value).
MATCH_ID = "search_match_id"


def search(qs: models.QuerySet, query: str, *, newest_first: bool = False) -> models.QuerySet:
    """Rows of ``qs`` whose tokens match every term of ``query`` (empty if it has none).

    ``newest_first``: the rows will be paginated by ``NEWEST`` (``paginate`` does the ordering).
    """
    terms = parse_query(query)
    if not terms:
        return qs.none()
    table = qs.model._meta.db_table
    vendor = connections[qs.db].vendor
    if vendor == "sqlite":
        match = " ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in terms)
        fts = f'"{table}_fts"'
        if newest_first:
            # Join the index and order by its rowid: FTS5 hands matches over newest first
            # and the query stops as soon as the page is full, so a term found in most
            # names (有限, 公司) costs what a rare one does. Ordered by the table's id
            # instead, SQLite would fetch and sort every match.
            return qs.extra(  # noqa: S610
                select={MATCH_ID: f"{fts}.rowid"},
                tables=[f"{table}_fts"],
                where=[f'{fts}.rowid = "{table}"."id"', f"{fts} MATCH %s"],
                params=[match],
            )
        if _is_common(qs.db, fts, match):
            # A common term (有限, a frequent surname): fetching and sorting every matching
            # row costs ~4 µs a match. The unary + keeps SQLite from driving the query from
            # the match list: it walks the page's sort index instead and tests each row
            # against the list (built once, ~1 µs a match), stopping at the page's limit.
            where = f'+"{table}"."id" IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)'
            return qs.extra(where=[where], params=[match])  # noqa: S610
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"
        return qs.filter(pk__in=RawSQL(sql, [match]))
    tsquery = " & ".join(f"'{t.text}'" + (":*" if t.prefix else "") for t in terms)
    where = f"to_tsvector('simple', \"{table}\".\"search_tokens\") @@ to_tsquery('simple', %s)"
    found = qs.extra(where=[where], params=[tsquery])  # noqa: S610
    if newest_first and _pg_estimate(found) <= PG_FEW_MATCHES:
        # Not many matches in the user's scope: order by "id + 0", which no index provides,
        # so PostgreSQL reads the matches through the GIN index and sorts them. Ordered by
        # id itself it may walk the primary key instead, computing to_tsvector for every
        # row it passes (≈ 20 µs each, far more than it reckons): seconds when the scope
        # holds none of the matches (a rep searching a city of another region).
        return found.extra(select={MATCH_ID: f'"{table}"."id" + 0'})  # noqa: S610
    # Many: the primary key walked backwards meets a page of them quickly.
    return found


# On PostgreSQL, a search the planner expects to match at most this many rows of the
# user's scope is read through the GIN index and sorted (see ``search``); the estimate
# (from the statistics of the indexed expression) costs about a millisecond.
PG_FEW_MATCHES = 10_000


def _pg_estimate(qs: models.QuerySet) -> float:
    """The planner's estimate of the number of rows of ``qs``."""
    sql, params = qs.order_by().query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


# A term matching more rows than this is "common" on SQLite (see ``search``); counting up to
# it reads at most this many rowids from the index (a few milliseconds).
COMMON_MATCHES = 20_000


def _is_common(db: str, fts: str, match: str) -> bool:
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s "
            f"LIMIT {COMMON_MATCHES + 1})",
            [match],
        )
        return cursor.fetchone()[0] > COMMON_MATCHES


# --- Schema ---------------------------------------------------------------------------------


def _sqlite_triggers(table: str) -> list[str]:
    fts = f'"{table}_fts"'
    return [
        f'CREATE TRIGGER "{table}_fts_ai" AFTER INSERT ON "{table}" BEGIN '
        f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
        f'CREATE TRIGGER "{table}_fts_ad" AFTER DELETE ON "{table}" BEGIN '
        f"INSERT INTO {fts}({fts}, rowid, search_tokens) "
        f"VALUES ('delete', old.id, old.search_tokens); END",
        f'CREATE TRIGGER "{table}_fts_au" AFTER UPDATE OF search_tokens ON "{table}" BEGIN '
        f"INSERT INTO {fts}({fts}, rowid, search_tokens) "
        f"VALUES ('delete', old.id, old.search_tokens); "
        f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    ]


def _drop_sqlite_triggers(table: str) -> list[str]:
    return [f'DROP TRIGGER IF EXISTS "{table}_fts_{s}"' for s in ("ai", "ad", "au")]


def index_sql(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f'CREATE VIRTUAL TABLE "{table}_fts" USING fts5(search_tokens, '
            f"content='{table}', content_rowid='id', "
            f"tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
            *_sqlite_triggers(table),
        ]
    if vendor == "postgresql":
        return [
            f'CREATE INDEX "{table}_search_idx" ON "{table}" '
            f"USING gin (to_tsvector('simple', search_tokens)) WITH (fastupdate = off)"
        ]
    return []


def drop_index_sql(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [*_drop_sqlite_triggers(table), f'DROP TABLE IF EXISTS "{table}_fts"']
    if vendor == "postgresql":
        return [f'DROP INDEX IF EXISTS "{table}_search_idx"']
    return []


def search_index_operation(table: str) -> migrations.RunPython:
    """A migration operation that creates the search index of ``table`` for its database."""

    def forward(apps, schema_editor):
        for sql in index_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)

    def backward(apps, schema_editor):
        for sql in drop_index_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)

    return migrations.RunPython(forward, backward)


def keep_triggers_operation(table: str) -> migrations.RunPython:
    """A migration operation to put after any change that makes SQLite rebuild ``table``
    (altering a column copies the table, and its triggers go with the old copy): the
    search index's triggers come back; the index itself still holds every row."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in [*_drop_sqlite_triggers(table), *_sqlite_triggers(table)]:
                schema_editor.execute(sql)

    return migrations.RunPython(forward, migrations.RunPython.noop)


def direct_index_operation(table: str) -> migrations.RunPython:
    """A migration operation that makes an existing PostgreSQL search index take each new
    row at once (``fastupdate = off``) and empties its list of pending rows.

    With the default, new rows wait in an unsorted pending list until a vacuum, and every
    search reads that whole list: up to 4 MB, several milliseconds a query on a table that
    takes new rows all day (leads, contacts). Without it an insert costs a little more and a
    search stays at a fraction of a millisecond.
    """

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER INDEX "{table}_search_idx" SET (fastupdate = off)')
            schema_editor.execute(f"SELECT gin_clean_pending_list('\"{table}_search_idx\"')")

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER INDEX "{table}_search_idx" RESET (fastupdate)')

    return migrations.RunPython(forward, backward)


def suspend_index(cursor, vendor: str, tables: Iterable[str]) -> None:
    """Before a bulk load: stop per-row index upkeep (rebuild afterwards)."""
    for table in tables:
        for sql in (
            _drop_sqlite_triggers(table) if vendor == "sqlite" else drop_index_sql(vendor, table)
        ):
            cursor.execute(sql)


@contextlib.contextmanager
def indexed_in_bulk(cursor, vendor: str, table: str, first_id: int, last_id: int):
    """Rows with ids ``first_id``..``last_id`` inserted in the block are indexed in one
    statement afterwards: on SQLite ≈ 4× faster than the per-row trigger (an import's
    batches). The caller holds the write transaction, so no one else inserts meanwhile and
    the trigger is back before anyone could."""
    if vendor != "sqlite":
        yield
        return
    cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_fts_ai"')
    yield
    cursor.execute(
        f'INSERT INTO "{table}_fts"(rowid, search_tokens) '
        f'SELECT id, search_tokens FROM "{table}" WHERE id BETWEEN %s AND %s',
        [first_id, last_id],
    )
    cursor.execute(_sqlite_triggers(table)[0])


def rebuild_index(cursor, vendor: str, tables: Iterable[str]) -> None:
    """After a bulk load: index every row in one pass and restore per-row upkeep."""
    for table in tables:
        if vendor == "sqlite":
            cursor.execute(f'INSERT INTO "{table}_fts"("{table}_fts") VALUES (\'rebuild\')')
            for sql in _sqlite_triggers(table):
                cursor.execute(sql)
        else:
            for sql in index_sql(vendor, table):
                cursor.execute(sql)
