"""Imports that check the next batch while the last is written (PostgreSQL) end exactly as
one batch after the other would; the undo ledger's runs of ids are taken back whole."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from guanxi.customers.models import Contact
from guanxi.customers.services import contact_create
from guanxi.dataio import services
from guanxi.dataio.importer import bulk, engine, pipeline
from guanxi.dataio.models import ImportRow, ImportStatus
from tests.conftest import make_org, make_user
from tests.dataio.conftest import run_import

pytestmark = pytest.mark.django_db(transaction=True)

# Four rows a batch. The second repeats a mobile and an email the first creates (and, for an
# upsert, updates a record the first creates); the last repeats the mobile of a tagged row
# (written through the service: the batch after it is checked only once it is committed).
ROWS = [
    "姓名,手机,邮箱,职务,标签",
    "王伟,13900000001,wang@x.cn,经理,",
    "Emily Carter,13900000002,emily@x.cn,Buyer,",
    "李娜,13900000003,li@x.cn,,",
    "赵敏,13900000004,zhao@x.cn,,",
    "重复手机,139 0000 0001,other@x.cn,,",
    "重复邮箱,,EMILY@x.cn,,",
    "王伟,,wang@x.cn,总监,",
    "坏号码,123,,,",
    "张伟,13900000009,zhangwei@x.cn,店长,VIP",
    "周杰,13900000010,zhou@x.cn,,",
    "吴芳,13900000012,wu@x.cn,,",
    "孙丽,13900000013,sun@x.cn,,",
    "又一个张伟,13900000009,,,",
]
RAW = ("\n".join(ROWS) + "\n").encode("gb18030")


def _snapshot(org) -> list[tuple]:
    return sorted(
        (c.name, c.mobile, c.email, c.title, c.version, sorted(t.name for t in c.tags.all()))
        for c in Contact.objects.filter(organisation=org).prefetch_related("tags")
    )


def _issues(job) -> list[tuple]:
    return sorted(job.issues.filter(dry_run=False).values_list("row", "field", "skipped"))


def _import(monkeypatch, *, pipelined: bool, **options):
    org = make_org()
    admin = make_user(org, "admin")
    used = []
    real = engine._write_pipelined

    def spy(*args, **kwargs):
        used.append(True)
        return real(*args, **kwargs)

    def slow_write(*args, **kwargs):  # the next batch is surely checked meanwhile
        time.sleep(0.2)
        return write_batch(*args, **kwargs)

    write_batch = engine._write_batch
    monkeypatch.setattr(engine, "_write_pipelined", spy)
    monkeypatch.setattr(engine, "_write_batch", slow_write)
    monkeypatch.setattr(engine, "_pipelined", lambda job, adapter: pipelined)
    rechecked = []
    drain = pipeline.Writer.drain
    monkeypatch.setattr(pipeline.Writer, "drain", lambda w: rechecked.append(1) or drain(w))
    job = run_import(admin, "contact", RAW, **options)
    assert job.status == ImportStatus.DONE
    assert used == ([True] if pipelined else [])
    job.rechecked = len(rechecked)
    monkeypatch.undo()
    return org, job


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelined on PostgreSQL only")
@pytest.mark.parametrize(
    "options",
    [{}, {"mode": "upsert", "key": "email"}, {"mode": "upsert", "key": "mobile"}],
    ids=["create", "upsert-email", "upsert-mobile"],
)
def test_pipelined_import_ends_as_the_serial_one(settings, monkeypatch, options):
    settings.IMPORT_BATCH_ROWS = 4
    serial_org, serial = _import(monkeypatch, pipelined=False, **options)
    org, job = _import(monkeypatch, pipelined=True, **options)
    assert job.counts == serial.counts
    assert _issues(job) == _issues(serial)
    assert _snapshot(org) == _snapshot(serial_org)
    if options:  # the second batch updates a record the first created: checked again
        assert job.counts["updated"] == 2 and job.rechecked >= 2
    else:  # only the tagged row's batch made the next wait
        assert job.counts == {"created": 8, "updated": 0, "skipped": 4, "failed": 1}
        assert job.rechecked == 1
    if options.get("key") == "email":
        assert Contact.objects.get(organisation=org, email="wang@x.cn").title == "总监"
    assert sum(r.records for r in ImportRow.objects.filter(job=job)) == (
        job.counts["created"] + job.counts["updated"]
    )
    services.import_undo(actor=job.created_by, job=job)
    assert not Contact.objects.filter(organisation=org).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's ids are consecutive under its lock"
)
def test_undo_takes_back_runs_of_ids_and_leaves_what_came_between(settings, monkeypatch):
    """Ids reserved while someone else adds a contact have a gap: the ledger keeps two
    runs, and undo removes both and nothing in the gap."""
    settings.IMPORT_BATCH_ROWS = 100
    admin = make_user(make_org(), "admin")
    real = bulk.reserve_ids

    def with_gap(table, n):
        first = real(table, 2)
        contact_create(actor=admin, data={"name": "别人加的"})  # takes the next id
        return first + real(table, n - 2)

    monkeypatch.setattr(bulk, "reserve_ids", with_gap)
    job = run_import(admin, "contact", RAW)
    assert job.counts["created"] == 8  # 7 by the fast path, 张伟 (tagged) by the service
    runs = ImportRow.objects.filter(job=job, last_object_id__isnull=False).order_by("row")
    assert [r.records for r in runs] == [2, 5]
    services.import_undo(actor=admin, job=job)
    left = Contact.objects.filter(organisation=admin.organisation)
    assert list(left.values_list("name", flat=True)) == ["别人加的"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelined on PostgreSQL only")
def test_a_batch_failing_in_the_writer_fails_the_job_and_resume_finishes_it(settings, monkeypatch):
    from guanxi.core.errors import DomainError
    from guanxi.dataio.importer.contacts import ContactAdapter

    settings.IMPORT_BATCH_ROWS = 4
    serial_org, serial = _import(monkeypatch, pipelined=False)
    org = make_org()
    admin = make_user(org, "admin")
    calls = []
    apply = ContactAdapter.apply

    def third_fails(self, ctx, plan):
        calls.append(1)
        if len(calls) == 3:
            raise DomainError("the database went away")
        return apply(self, ctx, plan)

    monkeypatch.setattr(ContactAdapter, "apply", third_fails)
    job = run_import(admin, "contact", RAW)
    assert job.status == ImportStatus.FAILED and "went away" in job.message
    assert job.rows_done == 9  # the first two batches, committed in order; nothing after
    assert Contact.objects.filter(organisation=org).count() == 4  # batch 2 creates none
    monkeypatch.undo()

    services.import_resume(actor=admin, job=job, queue=False)
    job = engine.run(engine.job_for_run(job.pk))
    assert job.status == ImportStatus.DONE and job.counts == serial.counts
    assert _snapshot(org) == _snapshot(serial_org)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelined on PostgreSQL only")
def test_an_upsert_by_id_finds_a_record_the_batch_in_flight_creates(settings, monkeypatch):
    """Ids are given out as a batch is written: a later row naming one of them is checked
    again once that batch is in, and updates the record as a serial run would."""
    settings.IMPORT_BATCH_ROWS = 4
    admin = make_user(make_org(), "admin")
    last = contact_create(actor=admin, data={"name": "已有"}).pk
    rows = ["编号,姓名,手机"] + [f",新人{i},1390000010{i}" for i in range(4)]
    rows += [f"{last + 2},改名,13900000101", ",又一个,13900000199"]
    monkeypatch.setattr(engine, "_pipelined", lambda job, adapter: True)
    job = run_import(admin, "contact", ("\n".join(rows) + "\n").encode(), mode="upsert", key="id")
    assert job.status == ImportStatus.DONE
    assert job.counts == {"created": 5, "updated": 1, "skipped": 0, "failed": 0}
    assert Contact.objects.get(pk=last + 2).name == "改名"
