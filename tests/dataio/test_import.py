"""Importing contacts, accounts, leads, deals and activities from CSV and XLSX files."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from guanxi.core.errors import ValidationFailed
from guanxi.customers.models import Account, Contact
from guanxi.customers.selectors import contact_list
from guanxi.dataio import services
from guanxi.dataio.models import ImportIssue, ImportRow, ImportStatus
from tests.dataio.conftest import run_import, upload

pytestmark = pytest.mark.django_db

CONTACTS = (
    "姓名,手机,邮箱,公司,生日,性别,不知道的列\n"
    "王伟,138 0013 8000,WANG@example.cn,{account},1990/3/1,男,x\n"
    "李娜,12345,,,,,\n"  # a bad mobile
    "Emily Carter,,emily@acme.example,,1985-13-01,,\n"  # a bad date
    "赵敏,13900139000,not-an-email,,,,\n"  # a bad email
    "钱多多,,,,,女,,extra\n"  # one cell too many
    "\n"
    "周杰,13300133000,,,2001年2月3日,,\n"
)


def contacts_csv(account: str = "") -> str:
    return CONTACTS.format(account=account)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_contacts_import_reports_bad_rows_and_keeps_the_good(world, encoding):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    job = run_import(rep, "contact", contacts_csv(account.name).encode(encoding))
    assert job.status == ImportStatus.DONE
    assert job.encoding == ("gb18030" if encoding == "gb18030" else "utf-8")
    assert job.counts == {"created": 2, "updated": 0, "skipped": 0, "failed": 4}
    issues = list(ImportIssue.objects.filter(job=job).order_by("row").values_list("row", "field"))
    assert issues == [(3, "mobile"), (4, "birthday"), (5, "email"), (6, "")]
    wang = Contact.objects.get(name="王伟")
    assert (wang.mobile, wang.email, wang.gender, str(wang.birthday)) == (
        "+8613800138000",
        "wang@example.cn",
        "male",
        "1990-03-01",
    )
    assert wang.account == account and wang.owner == rep and wang.version == 1
    assert str(Contact.objects.get(name="周杰").birthday) == "2001-02-03"
    # The fast path keeps the search index: the new contacts are found by name and number.
    assert [c.name for c in contact_list(rep, q="王伟").items] == ["王伟"]
    assert [c.name for c in contact_list(rep, q="13300133000").items] == ["周杰"]
    # Both new contacts are one entry of the undo ledger: a run of consecutive ids.
    (entry,) = ImportRow.objects.filter(job=job)
    assert entry.records == 2 and entry.created


def test_dry_run_writes_nothing_and_says_what_would_happen(world):
    rep = world.users["rep_a"]
    job = run_import(rep, "contact", contacts_csv().encode(), dry_run=True)
    assert job.status == ImportStatus.CHECKED
    assert (job.check_result["created"], job.check_result["failed"]) == (2, 4)
    assert [i["row"] for i in job.check_result["issues"]] == [3, 4, 5, 6]
    assert not Contact.objects.filter(name__in=["王伟", "周杰"]).exists()


def test_duplicates_by_email_and_mobile_are_skipped(world):
    rep = world.users["rep_a"]
    raw = (
        b"Name,Mobile,Email\n"
        b"A,13800138000,a@example.cn\n"
        b"B,13800138000,b@example.cn\n"  # same mobile as row 2
        b"C,,A@EXAMPLE.CN\n"  # same email as row 2
    )
    job = run_import(rep, "contact", raw)
    assert job.counts["created"] == 1 and job.counts["skipped"] == 2
    again = run_import(rep, "contact", raw.replace(b"Name", b"name"))
    assert again.counts["created"] == 0 and again.counts["skipped"] == 3


def test_update_by_email_and_upsert(world):
    rep = world.users["rep_a"]
    run_import(rep, "contact", b"Name,Email,Title\nOld,old@example.cn,Clerk\n")
    raw = b"Email,Title,Name\nold@example.cn,Manager,Old\nnew@example.cn,Boss,New\n"
    job = run_import(rep, "contact", raw, mode="update", key="email")
    assert (job.counts["updated"], job.counts["skipped"]) == (1, 1)
    assert Contact.objects.get(email="old@example.cn").title == "Manager"
    job = run_import(rep, "contact", raw + b"\n", mode="upsert", key="email")
    assert job.counts["created"] == 1
    assert Contact.objects.get(email="new@example.cn").title == "Boss"


def test_undo_removes_created_rows_and_restores_updated_ones(world):
    rep = world.users["rep_a"]
    run_import(rep, "contact", b"Name,Email,Title\nOld,old@example.cn,Clerk\n")
    raw = b"Email,Title,Name\nold@example.cn,Manager,Old\nnew@example.cn,Boss,New\n"
    job = run_import(rep, "contact", raw, mode="upsert", key="email")
    assert Contact.objects.get(email="old@example.cn").title == "Manager"
    job = services.import_undo(actor=rep, job=job)
    assert job.status == ImportStatus.UNDONE
    assert Contact.objects.get(email="old@example.cn").title == "Clerk"
    assert not Contact.objects.filter(email="new@example.cn").exists()
    assert not contact_list(rep, q="Boss").items


def test_xlsx_with_formulas_is_read_as_values_never_run(world):
    rep = world.users["rep_a"]
    book = Workbook()
    sheet = book.active
    sheet.append(["公司名称", "电话", "城市", "等级"])
    sheet.append(["鑫盛食品", "021-6234 5678", "上海", "A"])
    sheet.append(['=HYPERLINK("http://evil.example","x")', "", "杭州", "B"])
    sheet.append(["Acme", "", "", "Z"])  # not a grade
    buffer = io.BytesIO()
    book.save(buffer)
    job = run_import(rep, "account", buffer.getvalue(), name="accounts.xlsx")
    assert job.file_format == "xlsx"
    assert job.mapping == ["name", "phone", "city", "grade"]
    # A formula without a computed value reads as empty: the row has no name.
    assert job.counts == {"created": 1, "updated": 0, "skipped": 0, "failed": 2}
    account = Account.objects.get(name="鑫盛食品")
    assert (account.phone, account.grade, account.owner) == ("+862162345678", "A", rep)


def test_refuses_empty_unreadable_and_too_large_files(world, settings):
    rep = world.users["rep_a"]
    for raw in (b"", b"\n\n", "名字\n".encode("utf-16")):
        with pytest.raises(ValidationFailed):
            upload(rep, "contact", raw)
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as caught:
        upload(rep, "contact", b"Name\n" + b"x" * 200)
    assert "larger than" in str(caught.value.fields["file"])


def test_bad_numbers_and_references_in_deals(world):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    other = world.records["rep_b"].account  # not visible to rep_a
    raw = (
        "Name,Account,Amount,Expected close\n"
        f'Big deal,{account.name},"¥12,500.50",2026-03-01\n'
        f"Hidden,{other.name},100,\n"
        f"Bad amount,{account.name},lots,\n"
    ).encode()
    job = run_import(rep, "opportunity", raw)
    assert job.counts["created"] == 1 and job.counts["failed"] == 2
    fields = list(ImportIssue.objects.filter(job=job).order_by("row").values_list("row", "field"))
    assert fields == [(3, "account"), (4, "amount")]


def test_leads_and_activities(world):
    rep = world.users["rep_a"]
    job = run_import(rep, "lead", "姓名,公司,手机\n王伟,杭州鑫盛,13800138000\n".encode())
    assert job.counts["created"] == 1
    account = world.records["rep_a"].account
    raw = f"Subject,Type,Account,Done\nCall back,电话,{account.name},否\n".encode()
    job = run_import(rep, "activity", raw)
    assert job.counts == {"created": 1, "updated": 0, "skipped": 0, "failed": 0}


def test_rights(world):
    from guanxi.core.errors import NotFound, PermissionDenied
    from guanxi.dataio.selectors import import_get

    other_job = run_import(world.users["rep_b"], "contact", b"Name\nX\n")
    rep = world.users["rep_a"]
    with pytest.raises(NotFound):
        import_get(rep, other_job.pk)
    with pytest.raises(NotFound):
        services.import_undo(actor=rep, job=other_job)
    assert import_get(world.users["admin"], other_job.pk) == other_job
    role = rep.role
    role.permissions = {**role.permissions, "contact": ["read"]}
    role.save()
    rep.refresh_from_db()
    with pytest.raises(PermissionDenied):
        upload(rep, "contact", b"Name\nX\n")


def test_products_by_sku_with_chinese_headers(world):
    from decimal import Decimal

    from guanxi.core.errors import PermissionDenied
    from guanxi.sales.models import Product

    admin = world.users["admin"]
    raw = (
        "商品编码,产品名称,分类,单位,单价,税率\n"
        "XW-001,香辣牛肉干 100g,肉脯,袋,12.50,13\n"
        "XW-002,原味瓜子 500g,炒货,袋,¥18.00,13\n"
        "XW-003,,炒货,袋,9,13\n"  # no name
        "XW-004,蜜饯,果脯,盒,cheap,13\n"  # a bad price
    ).encode("gb18030")
    job = run_import(admin, "product", raw)
    assert job.mapping[:6] == ["sku", "name", "category", "unit", "list_price", "tax_rate"]
    assert job.counts == {"created": 2, "updated": 0, "skipped": 0, "failed": 2}
    issues = list(ImportIssue.objects.filter(job=job).order_by("row").values_list("row", "field"))
    assert issues == [(4, "name"), (5, "list_price")]
    beef = Product.objects.get(organisation=world.org, sku="XW-001")
    assert beef.list_price == Decimal("12.50") and beef.tax_rate == Decimal("13")

    # Upsert by SKU: the price list of next year updates one and adds one.
    update = "SKU,Name,List price\nXW-001,香辣牛肉干 100g,13.80\nXW-005,开心果 250g,32\n"
    job = run_import(admin, "product", update.encode(), mode="upsert", key="sku")
    assert job.counts == {"created": 1, "updated": 1, "skipped": 0, "failed": 0}
    beef.refresh_from_db()
    assert beef.list_price == Decimal("13.80")

    services.import_undo(actor=admin, job=job)
    beef.refresh_from_db()
    assert beef.list_price == Decimal("12.50")
    assert not Product.objects.filter(organisation=world.org, sku="XW-005").exists()

    # Reps read the catalogue but do not change it.
    with pytest.raises(PermissionDenied):
        run_import(world.users["rep_a"], "product", b"SKU,Name\nX-1,X\n")
