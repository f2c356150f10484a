"""Import, export, duplicates and merge in a real browser (Debian's Chromium), as people use
them: a GB18030 file with Chinese titles from upload to undo, an export of a filtered list
read back from the file, and a merge of two accounts seen on the 360° page and undone.

Background jobs wait in Huey's queue, as they do beside a real worker, and the test runs
them (``queue``) while the page polls their progress. The suite's settings otherwise run a
job at once inside the request that queues it, so the page would never see it running.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.browser.conftest import HAVE_CHROMIUM, SHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed"),
]

COMPANY = "杭州鑫盛食品有限公司"
# 岗位 is no title the import knows: the person maps it to the job title by hand.
HEADER = ["姓名", "手机", "邮箱", "公司", "岗位"]
ROWS = [
    ["王伟", "138 0013 8000", "wang.wei@example.cn", COMPANY, "采购经理"],
    ["李娜", "13900139000", "li.na@example.cn", COMPANY, "财务"],
    ["张敏", "12345", "zhang.min@example.cn", COMPANY, "@SUM(A1)"],  # not a phone number
    ["", "13700137000", "nobody@example.cn", COMPANY, ""],  # no name
    ["陈静", "13600136000", "chen.jing@example.cn", "不存在的公司", ""],  # unknown account
    ["刘洋", "13500135000", "old@example.cn", "", ""],  # the email is a contact's already
    ["赵磊", "+86 135 0013 5001", "zhao.lei@example.cn", "", "销售"],
]


@pytest.fixture
def company(db):
    from guanxi.customers.services import account_create, contact_create
    from tests.conftest import make_org, make_user

    org = make_org("Xinsheng Foods")
    admin = make_user(org, "admin", username="ada")
    rep = make_user(org, "sales_rep", username="ren")
    account = account_create(actor=admin, data={"name": COMPANY, "city": "杭州"})
    contact_create(actor=admin, data={"name": "刘洋", "email": "old@example.cn"})
    return {"admin": admin, "rep": rep, "account": account}


@pytest.fixture
def queue():
    """Jobs wait in a queue until ``queue()`` runs them here, as a worker would. The queue is
    in memory, whatever the settings name: a test never touches a real job store."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.immediate = False
    HUEY.storage = MemoryStorage(HUEY.name)

    def work() -> int:
        done = 0
        while (task := HUEY.dequeue()) is not None:
            HUEY.execute(task)
            done += 1
        return done

    yield work
    HUEY.immediate = True  # back to running each job as it is queued, in a new memory store


@pytest.fixture
def small_batches(settings):
    """Three rows a batch, cleaned in this process: a short file shows its progress."""
    settings.IMPORT_BATCH_ROWS = 3
    settings.IMPORT_WORKERS = 0
    return settings


def _csv(rows, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page, name: str, raw: bytes, mime: str, template: str = ""):
    page.select_option("#id_object_type", "contact")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": mime, "buffer": raw}])
    if template:
        page.select_option("#id_template", label=template)
    page.click("main button[type=submit]")
    page.wait_for_url("**/imports/*/")


def _mapping(page) -> list[str]:
    return page.eval_on_selector_all("select[id^='id_col_']", "els => els.map(e => e.value)")


def _watch_batches(monkeypatch, page):
    """After each batch the import writes, wait until the polled progress bar shows it."""
    from guanxi.dataio.importer import engine

    write = engine._write_batch
    seen = []

    def write_and_watch(job, after, last, rows):
        outcome = write(job, after, last, rows)
        page.wait_for_function(
            "done => { const bar = document.querySelector('#import-progress progress');"
            " return bar && Number(bar.value) === done; }",
            arg=last - 1,
        )
        seen.append(page.inner_text("#import-progress"))
        return outcome

    monkeypatch.setattr(engine, "_write_batch", write_and_watch)
    # Batch after batch in this thread, which drives the browser: on PostgreSQL the batches
    # would otherwise be written on the import's writer thread (tests/dataio/test_pipeline.py
    # shows that both ways end alike).
    monkeypatch.setattr(engine, "_pipelined", lambda job, adapter: False)
    return seen


def test_import_gb18030_check_progress_error_file_and_undo(
    ui, company, queue, small_batches, monkeypatch
):
    from guanxi.customers.models import Contact
    from guanxi.dataio.models import ImportJob, ImportStatus, MappingTemplate

    p = ui(accept_downloads=True)
    page = p.login("ada")
    page.click("#sidenav a[href='/imports/']")
    page.wait_for_selector("h1:has-text('Import')")
    raw = _csv([HEADER, *ROWS], "gb18030")
    _upload(page, "通讯录.csv", raw, "text/csv")

    # The suggested mapping, from the Chinese titles; the file read as GB18030.
    assert "GB18030" in page.inner_text("main p.muted")
    assert _mapping(page) == ["name", "mobile", "email", "account", ""]
    assert "采购经理" in page.inner_text("main table")  # the first values of each column
    page.select_option("#id_col_4", "title")
    page.fill("#id_template_name", "我们的通讯录")
    page.screenshot(path=str(SHOTS / "guanxi-import-mapping.png"), full_page=True)

    # The check writes nothing and runs in the background like the import.
    page.click("button[name=then][value=check]")
    page.wait_for_selector("#import-progress")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKING
    assert queue() == 1
    page.wait_for_selector("#check-result")  # the page reloads when the check is over
    result = page.inner_text("section[aria-labelledby=check-result]")
    assert "Create 3, update 0, skip 1, refuse 3." in result
    issues = page.inner_text("section[aria-labelledby=import-issues]")
    assert "Enter a valid phone number." in issues
    assert "This field cannot be blank." in issues
    assert "No record “不存在的公司” that you can see." in issues
    assert "A contact with this email exists already." in issues
    assert not Contact.objects.filter(name="王伟").exists()
    template = MappingTemplate.objects.get(name="我们的通讯录")
    assert template.columns == {
        "姓名": "name",
        "手机": "mobile",
        "邮箱": "email",
        "公司": "account",
        "岗位": "title",
    }
    assert _mapping(page)[4] == "title"  # the form keeps the changed column
    page.screenshot(path=str(SHOTS / "guanxi-import-checked.png"), full_page=True)

    # The import: queued, then watched batch by batch until the page shows it done.
    page.click("button[name=then][value=start]")
    page.wait_for_selector("#import-progress:has-text('Waiting to start')")
    seen = _watch_batches(monkeypatch, page)
    assert queue() == 1
    assert len(seen) == 3 and all("Importing" in s for s in seen)
    assert "3 of about 7 rows" in seen[0] and "6 of about 7 rows" in seen[1]
    page.wait_for_selector("section[aria-labelledby=import-state]:has-text('Done')")
    state = page.inner_text("section[aria-labelledby=import-state]")
    assert "Created 3, updated 0, skipped 1, refused 3." in state
    assert page.get_attribute("#import-progress", "hx-get") is None  # no more polling
    page.screenshot(path=str(SHOTS / "guanxi-import-done.png"), full_page=True)

    # The error file: the file's own cells of each row left out, and why.
    with page.expect_download() as download:
        page.click("a:has-text('Download the error file')")
    text = download.value.path().read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [*HEADER, "Row", "Field", "Problem"]
    by_row = {line[5]: line for line in lines[1:]}
    assert set(by_row) == {"4", "5", "6", "7"}
    assert by_row["4"][:5] == ["张敏", "12345", "zhang.min@example.cn", COMPANY, "'@SUM(A1)"]
    assert by_row["4"][6:] == ["mobile", "Enter a valid phone number."]
    assert by_row["6"][3] == "不存在的公司"
    assert by_row["7"][6:] == ["email", "A contact with this email exists already."]

    # The contacts are in the list, found by name, with the column mapped by hand.
    page.click("a:has-text('See the records')")
    page.wait_for_url("**/contacts/")
    assert page.locator("main tbody tr", has_text="赵磊").count() == 1
    page.fill("#list-q", "王伟")
    page.press("#list-q", "Enter")
    page.wait_for_url("**/contacts/?*q=*")
    rows = page.locator("main tbody tr")
    assert rows.count() == 1
    assert "采购经理" in rows.first.inner_text() and COMPANY in rows.first.inner_text()

    # Undone: the imported contacts are gone, the one that was there before stays.
    page.goto(f"{p.base_url}/imports/{job.pk}/")
    page.click("button:has-text('Undo this import')")
    page.wait_for_selector(".toast-success")
    assert "The import was undone." in page.inner_text(".toast-success")
    page.goto(p.base_url + "/contacts/")
    listed = page.inner_text("main")
    assert "王伟" not in listed and "赵磊" not in listed and "刘洋" in listed
    assert ImportJob.objects.get().status == ImportStatus.UNDONE
    assert set(Contact.objects.values_list("name", flat=True)) == {"刘洋"}
    p.assert_no_csp_errors()


def test_import_xlsx_with_a_template_in_chinese(ui, company, queue):
    """An XLSX file, mapped by a saved template, imported by someone who reads Chinese."""
    from guanxi.customers.models import Contact
    from guanxi.dataio import services

    admin = company["admin"]
    services.template_save(
        actor=admin,
        object_type="contact",
        name="我们的通讯录",
        columns={"姓名": "name", "手机": "mobile", "邮箱": "email", "岗位": "title"},
    )
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    p = ui(locale="zh-CN")
    page = p.login("ada")
    page.click("#sidenav a[href='/imports/']")
    page.wait_for_selector("h1:has-text('导入')")
    assert "CSV 或 XLSX 文件" in page.inner_text("main form")
    raw = _xlsx(
        [HEADER, ROWS[0], ROWS[2], ["孙丽", "13300133000", "sun.li@example.cn", "", "出纳"]]
    )
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    _upload(page, "通讯录.xlsx", raw, mime, template="我们的通讯录 (联系人)")

    # The template's mapping, 公司 left out as it says; the page in Chinese.
    assert _mapping(page) == ["name", "mobile", "email", "", "title"]
    assert page.inner_text("main h2.card-title") == "列"
    assert "检查（不写入）" in page.inner_text("main form")
    page.click("button[name=then][value=start]")
    page.wait_for_selector("#import-progress:has-text('等待开始')")
    assert queue() == 1
    page.wait_for_selector("section[aria-labelledby=import-state]:has-text('已完成')")
    state = page.inner_text("section[aria-labelledby=import-state]")
    assert "已新建 2 条，更新 0 条，跳过 0 条，拒绝 1 条。" in state
    assert "请输入有效的电话号码。" in page.inner_text("section[aria-labelledby=import-issues]")
    page.screenshot(path=str(SHOTS / "guanxi-import-xlsx-zh.png"), full_page=True)
    sun = Contact.objects.get(name="孙丽")
    assert (sun.mobile, sun.title, sun.account_id) == ("+8613300133000", "出纳", None)
    page.click("nav.breadcrumbs a")
    recent = page.locator("section[aria-labelledby=recent-imports] tbody tr").first
    page.screenshot(path=str(SHOTS / "guanxi-import-list-zh.png"), full_page=True)
    assert "通讯录.xlsx" in recent.inner_text() and "已完成" in recent.inner_text()
    p.assert_no_csp_errors()


def test_import_pages_fit_a_phone(ui, company):
    p = ui(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = p.login("ada")
    page.goto(p.base_url + "/imports/")
    _upload(page, "通讯录.csv", _csv([HEADER, *ROWS], "utf-8"), "text/csv")
    for path in ("/imports/", page.url.removeprefix(p.base_url)):
        page.goto(p.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        body = page.evaluate("document.body.scrollWidth")
        assert width <= 375 and body <= 375, (path, width, body)
    page.screenshot(path=str(SHOTS / "guanxi-import-mobile.png"), full_page=True)
    p.assert_no_csp_errors()


# --- Export ---------------------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example","点我")',
    "title": "+86 采购",
    "wechat_id": "@boss",
    "notes": "-1+2",
}


@pytest.fixture
def contacts(company):
    from guanxi.customers.services import contact_create

    admin, rep = company["admin"], company["rep"]
    contact_create(actor=admin, data={**FORMULAS, "tags": "VIP"})
    contact_create(
        actor=admin,
        data={"name": "王伟", "title": "经理", "mobile": "13800138000", "tags": "VIP"},
    )
    contact_create(actor=rep, data={"name": "李娜", "mobile": "13900139000"})  # not VIP
    return company


def _choose_columns(page, names):
    for box in page.locator("input[name=columns]").all():
        box.uncheck()
    for name in names:
        page.check(f"input[name=columns][value={name}]")


def _export(page, queue, file_format: str, names) -> bytes:
    """Export with these columns, wait for the file as the page does, and download it."""
    page.select_option("#id_file_format", file_format)
    _choose_columns(page, names)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/exports/*/")
    page.wait_for_selector("#export-state progress")  # queued: the page polls
    assert queue() == 1
    page.wait_for_selector("#export-state a:has-text('Download')")
    with page.expect_download() as download:
        page.click("#export-state a:has-text('Download')")
    assert download.value.suggested_filename.endswith("." + file_format)
    return download.value.path().read_bytes()


def test_export_a_filtered_list_with_chosen_columns(ui, contacts, queue):
    from guanxi.core.models import Event
    from guanxi.dataio.models import ExportJob

    p = ui(accept_downloads=True)
    page = p.login("ada")
    page.click("#sidenav a[href='/contacts/']")
    page.wait_for_selector("main tbody tr")
    with page.expect_navigation():
        page.select_option("#filter-tag", label="VIP")
    assert "李娜" not in page.inner_text("main tbody")
    page.click("main .page-actions a:has-text('Export')")
    page.wait_for_url("**/exports/new/?object=contact&*tag=*")
    export_page = page.url
    assert "The records of the list as you filtered it" in page.inner_text("main")
    # The columns: a group of boxes, each beside its name.
    assert page.inner_text("fieldset.field-choices legend").startswith("Columns")
    box = page.locator("input[name=columns][value=title]").bounding_box()
    label = page.locator("label:has(input[name=columns][value=title])").bounding_box()
    assert box["width"] < 30 and label["x"] <= box["x"] and label["height"] < 2 * box["height"]
    page.screenshot(path=str(SHOTS / "guanxi-export.png"), full_page=True)
    columns = ["name", "title", "mobile", "wechat_id", "notes"]

    book = load_workbook(io.BytesIO(_export(page, queue, "xlsx", columns)))
    assert "2 rows" in page.inner_text("#export-state")
    cells = list(book.active.iter_rows())
    assert [c.value for c in cells[0]] == ["Name", "Job title", "Mobile", "WeChat ID", "Notes"]
    rows = {row[0].value: row for row in cells[1:]}
    assert set(rows) == {"'" + FORMULAS["name"], "王伟"}
    evil = rows["'" + FORMULAS["name"]]
    # Text, each with the apostrophe a spreadsheet needs not to run it as a formula.
    assert [c.value for c in evil] == [
        "'" + FORMULAS["name"],
        "'" + FORMULAS["title"],
        None,
        "'" + FORMULAS["wechat_id"],
        "'" + FORMULAS["notes"],
    ]
    assert all(c.data_type == "s" for c in evil if c.value is not None)
    assert rows["王伟"][2].value == "'+8613800138000"  # E.164 starts with "+" too

    # The same list as CSV.
    page.goto(export_page)
    text = _export(page, queue, "csv", ["name", "title", "wechat_id", "notes"]).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Name", "Job title", "WeChat ID", "Notes"]
    assert ["'" + FORMULAS[n] for n in ("name", "title", "wechat_id", "notes")] in lines
    assert len(lines) == 3
    job = ExportJob.objects.order_by("id").last()
    assert job.filters.keys() == {"tag"}
    assert Event.objects.filter(verb="export.completed").count() == 2
    p.assert_no_csp_errors()

    # A sales rep has no right to export: no action on the list, no page, no file.
    rep = ui()
    page = rep.login("ren")
    page.goto(rep.base_url + "/contacts/")
    page.wait_for_selector("main tbody tr")
    assert page.locator("main a:has-text('Export')").count() == 0
    assert page.goto(rep.base_url + "/exports/new/?object=contact").status == 403
    assert page.goto(f"{rep.base_url}/exports/{job.pk}/").status == 404
    assert page.goto(f"{rep.base_url}/exports/{job.pk}/file").status == 404
    rep.assert_no_csp_errors()


# --- Duplicates and merge -------------------------------------------------------------------


@pytest.fixture
def duplicates(company):
    from guanxi.activities.services import activity_create
    from guanxi.customers.services import account_create, contact_create
    from guanxi.sales.services import opportunity_create

    admin = company["admin"]
    first = company["account"]  # 杭州鑫盛食品有限公司, 杭州
    first = _update_account(admin, first, phone="0571 8888 6666", email="sales@xinsheng.cn")
    second = account_create(
        actor=admin,
        data={"name": "鑫盛食品(杭州)有限公司", "phone": "0571-88886666", "industry": "食品"},
    )
    contact_create(actor=admin, data={"name": "王伟", "account": first})
    contact_create(actor=admin, data={"name": "李娜", "account": second})
    opportunity_create(actor=admin, data={"name": "年度框架协议", "account": first})
    opportunity_create(actor=admin, data={"name": "春节礼盒采购", "account": second})
    activity_create(actor=admin, data={"subject": "上门拜访", "kind": "visit", "account": second})
    # A weaker pair: close names, nothing else in common.
    account_create(actor=admin, data={"name": "上海华东贸易有限公司"})
    account_create(actor=admin, data={"name": "上海华东贸易公司"})
    return {**company, "first": first, "second": second}


def _update_account(actor, account, **data):
    from guanxi.customers.services import account_update

    return account_update(actor=actor, account=account, data=data, version=account.version)


def test_find_duplicates_merge_accounts_and_undo(ui, duplicates, queue):
    from guanxi.customers.models import Account, Contact
    from guanxi.sales.models import Opportunity

    first, second = duplicates["first"], duplicates["second"]
    p = ui(viewport={"width": 1400, "height": 1000})
    page = p.login("ada")
    page.click("#sidenav a[href^='/duplicates/']")
    page.click("nav.tabs a[href='?type=account']")
    page.wait_for_selector("nav.tabs a[aria-current=page]:has-text('Accounts')")
    page.fill("#f-threshold", "60")
    page.click("#dedupe-run button[type=submit]")
    page.wait_for_selector("#dedupe-run:has-text('Searching')")
    assert queue() == 1
    # The groups appear when the search is over.
    page.wait_for_selector(".duplicate-group")
    assert "2 groups at 60% or more" in page.inner_text("#dedupe-run")
    groups = page.locator(".duplicate-group")
    assert groups.count() == 2
    badges = [int(g.locator(".badge").first.inner_text().rstrip("%")) for g in groups.all()]
    assert badges == sorted(badges, reverse=True) and badges[0] == 100 and badges[1] < 80
    assert "鑫盛食品(杭州)有限公司" in groups.first.inner_text()
    assert "上海华东贸易公司" in groups.nth(1).inner_text()
    page.screenshot(path=str(SHOTS / "guanxi-duplicates.png"), full_page=True)

    # The merge page: keep the second account, with the first one's name and email.
    groups.first.locator("a:has-text('Merge…')").click()
    page.wait_for_selector("h1:has-text('Merge')")
    page.click("a:has-text('Keep the other record')")
    page.wait_for_url(f"**survivor={second.pk}&merged={first.pk}*")
    assert "鑫盛食品(杭州)有限公司 stays" in page.inner_text("main form p")
    page.check("input[name=field_name][value=merged]")
    assert page.is_checked("input[name=field_email][value=merged]")  # it has none itself
    assert page.is_checked("input[name=field_industry][value=survivor]")
    moved = page.inner_text("main form ul.plain-list")
    assert "1" in moved
    page.screenshot(path=str(SHOTS / "guanxi-merge.png"), full_page=True)
    page.click("main form button[type=submit]:has-text('Merge')")

    # The survivor's 360° page: both accounts' contacts and deals, and the merge on its
    # timeline.
    page.wait_for_url(f"**/accounts/{second.pk}/")
    page.wait_for_selector(".toast-success")
    assert page.inner_text("h1#account-name") == "杭州鑫盛食品有限公司"
    contacts = page.inner_text("section[aria-labelledby=panel-contacts]")
    assert "王伟" in contacts and "李娜" in contacts
    deals = page.inner_text("section[aria-labelledby=panel-deals]")
    assert "年度框架协议" in deals and "春节礼盒采购" in deals
    assert "sales@xinsheng.cn" in page.inner_text(".record-header .facts")
    item = page.locator("#timeline li", has_text="merged")
    assert "ada merged 杭州鑫盛食品有限公司 into the account" in item.first.inner_text()
    page.screenshot(path=str(SHOTS / "guanxi-merged.png"), full_page=True)
    assert not Account.objects.filter(pk=first.pk).exists()
    assert Contact.objects.get(name="王伟").account_id == second.pk

    # Undone from the timeline: the first account is back with what was its own.
    item.first.locator("button:has-text('Undo')").click()
    page.wait_for_url(f"**/accounts/{first.pk}/")
    assert "is back" in page.inner_text(".toast-success")
    assert page.inner_text("h1#account-name") == "杭州鑫盛食品有限公司"
    assert "王伟" in page.inner_text("section[aria-labelledby=panel-contacts]")
    assert "李娜" not in page.inner_text("section[aria-labelledby=panel-contacts]")
    assert Opportunity.objects.get(name="年度框架协议").account_id == first.pk
    second.refresh_from_db()
    assert (second.name, second.email) == ("鑫盛食品(杭州)有限公司", "")
    page.goto(f"{p.base_url}/accounts/{second.pk}/")
    assert "年度框架协议" not in page.inner_text("section[aria-labelledby=panel-deals]")
    assert page.locator("#timeline button:has-text('Undo')").count() == 0
    p.assert_no_csp_errors()
