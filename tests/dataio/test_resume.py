"""An import whose process is killed mid-file resumes to the same result as a run that
was never interrupted: no row lost, none written twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection

from guanxi.customers.models import Contact
from guanxi.dataio.models import ImportJob, ImportRow, ImportStatus
from tests.conftest import make_org, make_user
from tests.dataio.conftest import run_import

ROWS = 12_000


def contacts_file(path, rows: int = ROWS) -> bytes:
    lines = ["姓名,手机,邮箱,职务"]
    for i in range(rows):
        name = f"张{i}" if i % 2 else f"Emily Carter {i}"
        lines.append(f"{name},139{i:08d},user{i}@example.cn,Manager")
        if i % 997 == 0:
            lines.append(f"坏行{i},123,,")  # a bad mobile every so often
    raw = ("\n".join(lines) + "\n").encode("gb18030")
    path.write_bytes(raw)
    return raw


def _start_import(path, username: str) -> subprocess.Popen:
    """``guanxi import`` in a process of its own, on the test database."""
    code = (
        "import django, os\n"
        "from django.conf import settings\n"
        f"settings.DATABASES['default']['NAME'] = {connection.settings_dict['NAME']!r}\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        f"call_command('import', 'contact', {str(path)!r}, '--user', {username!r}, "
        "'--workers', '2')\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "GUANXI_IMPORT_BATCH_ROWS": "300",
    }
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _snapshot(org) -> list[tuple]:
    return sorted(
        Contact.objects.filter(organisation=org).values_list(
            "name", "mobile", "email", "title", "search_tokens", "version"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_killed_import_resumes_to_the_same_result(tmp_path):
    path = tmp_path / "contacts.csv"
    raw = contacts_file(path)

    # The reference: the same file imported in one go, in another organisation.
    ref_org = make_org("Reference")
    ref_user = make_user(ref_org, "admin", username="ref_admin")
    reference = run_import(ref_user, "contact", raw)
    assert reference.status == ImportStatus.DONE

    org = make_org("Killed")
    make_user(org, "admin", username="killed_admin")
    process = _start_import(path, "killed_admin")
    deadline = time.monotonic() + 120
    job = None
    while time.monotonic() < deadline:
        job = ImportJob.objects.filter(organisation=org).first()
        if job is not None and job.rows_done > 1500:
            break
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the command and its worker processes
    process.wait()
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and 1500 < job.rows_done < ROWS
    stopped_at = job.rows_done
    assert Contact.objects.filter(organisation=org).count() < reference.counts["created"]

    call_command("import", "--resume", str(job.pk), "--user", "killed_admin")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.rows_done > stopped_at
    assert job.counts == reference.counts
    assert _snapshot(org) == _snapshot(ref_org)
    assert sum(r.records for r in ImportRow.objects.filter(job=job)) == job.counts["created"]
    assert job.issues.count() == reference.issues.count()


@pytest.mark.django_db
def test_worker_processes_give_the_same_result(world, settings, tmp_path):
    settings.IMPORT_BATCH_ROWS = 50
    settings.IMPORT_WORKERS = 2
    raw = contacts_file(tmp_path / "c.csv", rows=400)
    job = run_import(world.users["admin"], "contact", raw)
    assert job.counts == {"created": 400, "updated": 0, "skipped": 0, "failed": 1}
