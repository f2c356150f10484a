"""CSV import of leads: encodings, Chinese headers, bad rows reported, good rows kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from guanxi.core.errors import ValidationFailed
from guanxi.leads.importer import import_leads
from guanxi.leads.models import Lead

pytestmark = pytest.mark.django_db

CSV = (
    "姓名,公司,手机,邮箱,来源,不知道的列\n"
    "王伟,杭州鑫盛食品有限公司,138 0013 8000,WANG@example.cn,referral,x\n"
    "李娜,,12345,,,\n"  # a bad mobile
    "\n"
    "Emily Carter,Acme Foods Co. Ltd.,,emily@acme.example,exhibition,\n"
    "赵敏,,13900139000,not-an-email,,\n"  # a bad email
    "钱多多,,,,,\n"  # no way to reach them: imported, but invalid
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_import_reports_bad_rows_and_keeps_the_good(world, encoding):
    rep = world.users["rep_a"]
    result = import_leads(actor=rep, raw=CSV.encode(encoding))
    assert result.created == 3
    assert [(e["line"], e["field"]) for e in result.errors] == [(3, "mobile"), (6, "email")]
    assert result.ignored == ["不知道的列"]
    wang = Lead.objects.get(name="王伟")
    assert (wang.mobile, wang.email, wang.channel) == (
        "+8613800138000",
        "wang@example.cn",
        "import",
    )
    assert wang.owner == rep and wang.raw["不知道的列"] == "x"
    assert Lead.objects.get(name="钱多多").invalid_reason
    assert not Lead.objects.filter(name__in=["李娜", "赵敏"]).exists()


def test_refuses_files_it_cannot_read(world):
    rep = world.users["rep_a"]
    for raw in (b"", b"a,b,c\n1,2,3\n", "名字\n".encode("utf-16")):
        with pytest.raises(ValidationFailed):
            import_leads(actor=rep, raw=raw)
    assert not Lead.objects.exists()


def test_import_page_and_command(world, client_for, tmp_path, capsys):
    client = client_for(world.users["rep_a"])
    assert client.get("/leads/import/").status_code == 200
    upload = SimpleUploadedFile("leads.csv", CSV.encode("gb18030"), content_type="text/csv")
    page = client.post("/leads/import/", {"file": upload, "owner": "rules"})
    text = page.content.decode()
    assert page.status_code == 200 and "3 leads imported" in text and "Enter a valid" in text
    path = tmp_path / "leads.csv"
    path.write_text("Name,Mobile\nZhou Jie,13300133000\n", encoding="utf-8")
    call_command("import_leads", str(path), "--user", "rep_b")
    assert "Imported: 1. Refused: 0." in capsys.readouterr().out
    assert Lead.objects.get(name="Zhou Jie").owner == world.users["rep_b"]
