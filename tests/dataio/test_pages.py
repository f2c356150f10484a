"""The import and export pages: upload, map, check, import, progress, error file, undo."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.customers.models import Contact
from guanxi.dataio.models import ExportJob, ImportJob, ImportStatus

pytestmark = pytest.mark.django_db

CSV = "姓名,手机,邮箱\n王伟,13800138000,wang@example.cn\n李娜,12345,\n=1+1,,evil@example.cn\n"


def test_upload_map_check_import_and_undo(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.users["rep_a"])
    assert client.get("/imports/").status_code == 200
    upload = SimpleUploadedFile("c.csv", CSV.encode("gb18030"), content_type="text/csv")
    response = client.post(
        "/imports/", {"object_type": "contact", "file": upload, "mode": "create"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.encoding == "gb18030"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "王伟" in page and "13800138000" in page
    mapping = {"col_0": "name", "col_1": "mobile", "col_2": "email", "then": "check"}
    client.post(f"/imports/{job.pk}/", {**mapping, "template_name": "Our CRM"})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.check_result["created"] == 2
    assert not Contact.objects.filter(name="王伟").exists()
    assert "Enter a valid phone number" in client.get(f"/imports/{job.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/", {**mapping, "then": "start"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.counts["created"] == 2
    progress = client.get(f"/imports/{job.pk}/progress/")
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"
    errors = b"".join(client.get(f"/imports/{job.pk}/errors.csv").streaming_content)
    text = errors.decode("utf-8-sig")
    assert text.splitlines()[0].endswith("Row,Field,Problem") and "李娜,12345" in text
    client.post(f"/imports/{job.pk}/undo/")
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE and not Contact.objects.filter(name="王伟").exists()


def test_export_page_keeps_the_list_filters(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.users["manager"])
    page = client.get("/accounts/?region=east").content.decode()
    assert "/exports/new/?object=account&amp;region=east" in page
    assert client.get("/exports/new/?object=account&region=east").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/exports/new/?object=account&region=east",
            {"file_format": "csv", "columns": ["name", "region"]},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.filters == {"region": "east"}
    assert job.rows == 0 and job.status == "done"
    assert client.get(f"/exports/{job.pk}/").status_code == 200
    assert client.get(f"/exports/{job.pk}/file").status_code == 200
    rep_client = client_for(world.users["rep_a"])
    assert rep_client.get(f"/exports/{job.pk}/").status_code == 404
    assert "/exports/new/" not in rep_client.get("/accounts/").content.decode()


def test_navigation_marks_the_page_of_each_data_tool(world, client_for):
    client = client_for(world.users["admin"])
    current = 'aria-current="page"'

    def marked(url: str) -> list[str]:
        html = client.get(url).content.decode()
        nav = html[html.index('id="sidenav"') :]
        return [h for h in ("/imports/", "/duplicates/") if f'href="{h}" {current}' in nav]

    assert marked("/imports/") == ["/imports/"]
    assert marked("/duplicates/") == ["/duplicates/"]
    assert marked("/exports/new/?object=contact") == []


def test_field_names_start_with_a_capital_as_on_every_other_page(world, client_for):
    """Model fields are named in lower case ("job title"); pages show them as labels."""
    from guanxi.activities.services import activity_create
    from tests.dataio.test_pages_and_api import _pairs

    client = client_for(world.users["admin"])
    upload = SimpleUploadedFile("c.csv", "姓名,岗位\n王伟,经理\n".encode(), content_type="text/csv")
    client.post("/imports/", {"object_type": "contact", "file": upload, "mode": "create"})
    mapping = client.get(f"/imports/{ImportJob.objects.get().pk}/").content.decode()
    assert ">Job title</option>" in mapping and ">job title<" not in mapping
    export = client.get("/exports/new/?object=contact").content.decode()
    assert " Job title</label>" in export and " job title</label>" not in export
    ((a, b),) = _pairs(world.users["admin"], 1)
    activity_create(actor=world.users["admin"], data={"subject": "Call", "contact": b})
    merge = client.get(f"/duplicates/merge/?type=contact&survivor={a.pk}&merged={b.pk}")
    assert "<li>Activities: 1</li>" in merge.content.decode()


def test_recent_imports_name_the_records_in_the_reader_s_language(world, client_for):
    admin = world.users["admin"]
    client = client_for(admin)
    upload = SimpleUploadedFile("c.csv", "姓名\n王伟\n".encode(), content_type="text/csv")
    client.post("/imports/", {"object_type": "contact", "file": upload, "mode": "create"})
    assert "<td>Contacts</td>" in client.get("/imports/").content.decode()
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    html = client_for(admin).get("/imports/").content.decode()
    assert "<td>联系人</td>" in html and "<td>contact</td>" not in html
