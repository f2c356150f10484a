"""Exports: scoped rows, masked fields, the export right in UI, API and command line,
formula injection neutralised, every export audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from guanxi.core.errors import PermissionDenied
from guanxi.core.models import Event
from guanxi.core.services import role_mask_fields
from guanxi.core.spreadsheet import neutralise
from guanxi.customers.services import contact_create
from guanxi.dataio import services

pytestmark = pytest.mark.django_db


def _csv(job) -> list[list[str]]:
    with open(job.file_path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_neutralise():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("王伟") == "王伟" and neutralise(-5) == -5


def test_manager_exports_what_they_see_with_the_filter(world):
    manager = world.users["manager"]
    job = services.export_start(
        actor=manager,
        object_type="account",
        columns=["id", "name", "owner", "region"],
        filters={"owner": str(world.users["rep_a"].pk)},
        run_now=True,
    )
    rows = _csv(job)
    assert rows[0] == ["ID", "Name", "Owner", "Region"]
    assert [r[1] for r in rows[1:]] == ["Account of rep_a"]
    everything = services.export_start(actor=manager, object_type="account", run_now=True)
    names = {r[1] for r in _csv(everything)[1:]}
    assert "Account of stranger" not in names and "Account of admin" not in names
    assert everything.rows == len(names)
    event = Event.objects.filter(verb="export.completed").order_by("-id")[1]
    assert event.actor == manager
    assert event.data["filters"] == {"owner": str(world.users["rep_a"].pk)}
    assert event.data["rows"] == 1
    assert Event.objects.filter(verb="export.completed").count() == 2


def test_formulas_are_neutralised_in_csv_and_xlsx(world):
    admin = world.users["admin"]
    contact_create(actor=admin, data={"name": '=HYPERLINK("http://evil.example","x")'})
    contact_create(actor=admin, data={"name": "@cmd", "title": "+1 boss"})
    job = services.export_start(actor=admin, object_type="contact", run_now=True)
    cells = [c for r in _csv(job)[1:] for c in r]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    job = services.export_start(
        actor=admin, object_type="contact", file_format="xlsx", run_now=True
    )
    sheet = load_workbook(job.file_path).active
    values = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in values if c.data_type == "f"]
    assert '\'=HYPERLINK("http://evil.example","x")' in [c.value for c in values]
    assert job.rows == sheet.max_row - 1


def test_masked_fields_are_left_out(world):
    admin = world.users["admin"]
    manager = world.users["manager"]
    role_mask_fields(actor=admin, role=manager.role, masked={"contact": ["mobile", "email"]})
    manager.refresh_from_db()
    job = services.export_start(actor=manager, object_type="contact", run_now=True)
    header = _csv(job)[0]
    assert "Mobile" not in header and "Email" not in header and "Name" in header
    from guanxi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.export_start(actor=manager, object_type="contact", columns=["name", "email"])


def _take_export_right(user):
    role = user.role
    role.permissions = {**role.permissions, "contact": ["read"]}
    role.save()
    user.refresh_from_db()


def test_a_rep_without_the_export_right_is_refused_everywhere(world, client_for, api_for):
    rep = world.users["rep_a"]
    assert "export" not in rep.role.permissions["contact"]
    with pytest.raises(PermissionDenied):
        services.export_start(actor=rep, object_type="contact")
    with pytest.raises(CommandError):
        call_command("export", "contact", "--user", rep.username)
    client = client_for(rep)
    assert client.get("/exports/new/?object=contact").status_code == 403
    assert client.post("/exports/new/?object=contact", {"format": "csv"}).status_code == 403
    status, body, _ = api_for(rep).call("POST", "/exports", {"object": "contact"})
    assert status == 403 and body["error"]["code"] == "permission_denied"
    assert not Event.objects.filter(verb="export.completed").exists()


def test_export_command_and_api(world, api_for, tmp_path, django_capture_on_commit_callbacks):
    admin = world.users["admin"]
    out = tmp_path / "contacts.csv"
    call_command("export", "contact", "--user", "admin", "--columns", "name,owner", "-o", str(out))
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Name,Owner" and len(lines) == 6
    api = api_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        status, body, _ = api.call(
            "POST", "/exports", {"object": "account", "format": "xlsx", "filters": {"region": ""}}
        )
    assert status == 202, body
    status, body, _ = api.call("GET", f"/exports/{body['id']}")
    assert body["status"] == "done" and body["rows"] == 5
    response = api.client.get(
        f"/api/v1/exports/{body['id']}/file", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 6


@pytest.mark.parametrize("object_type", ["account", "contact", "opportunity", "activity", "lead"])
def test_every_list_exports(world, object_type):
    job = services.export_start(
        actor=world.users["admin"], object_type=object_type, file_format="xlsx", run_now=True
    )
    assert job.status == "done" and job.rows >= (0 if object_type == "lead" else 5)
