"""The demo data: counts, determinism, valid values, search, users and the command."""

from __future__ import annotations

from datetime import UTC, datetime

import phonenumbers
import pytest
from django.core.management import CommandError, call_command

from guanxi.activities.models import Activity
from guanxi.core import selectors as core_selectors
from guanxi.core.models import Event, Tag, Team, User
from guanxi.core.normalize import normalize_email
from guanxi.customers import selectors
from guanxi.customers.models import Account, Contact
from guanxi.customers.services import account_tokens, contact_tokens
from guanxi.demo import loader
from guanxi.sales.models import Opportunity
from guanxi.sales.services import opportunity_tokens

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _load(accounts=50, seed=1):
    return loader.load(accounts=accounts, seed=seed, now=NOW)


def _user(username):
    return User.objects.select_related("role", "team").get(username=username)


def _is_cjk(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_counts_per_table_and_one_event_per_record():
    result = _load(accounts=50)
    org = result.organisation
    accounts = Account.objects.filter(organisation=org)
    contacts = Contact.objects.filter(organisation=org)
    deals = Opportunity.objects.filter(organisation=org)
    activities = Activity.objects.filter(organisation=org)
    assert accounts.count() == 50 == result.counts["customers_account"]
    assert contacts.count() == result.counts["customers_contact"]
    assert deals.count() == result.counts["sales_opportunity"]
    assert activities.count() == result.counts["activities_activity"]
    assert 50 <= contacts.count() <= 200  # about two an account
    assert 20 <= deals.count() <= 100  # about one
    assert 100 <= activities.count() <= 400  # about five
    assert not accounts.filter(contacts__isnull=True).exists()

    events = Event.objects.filter(organisation=org)
    records = contacts.count() + deals.count() + activities.count() + 50
    assert events.filter(verb__endswith=".created").count() == records
    assert events.filter(verb="account.created").count() == 50
    assert not events.filter(account_id__isnull=True).exists()
    event = events.filter(verb="opportunity.created").first()
    deal = deals.get(pk=event.object_id)
    assert event.object_repr == deal.name
    assert event.actor_id == deal.owner_id
    assert event.data["currency"] == deal.currency
    assert Tag.objects.filter(organisation=org, name="重点客户").exists()
    # Every kind of activity, some open tasks coming up, some overdue, done ones dated.
    assert set(activities.values_list("kind", flat=True)) == {
        "call",
        "meeting",
        "visit",
        "email",
        "note",
        "task",
    }
    assert activities.filter(done=False, due_at__gt=NOW).exists()
    assert not activities.filter(done=True, done_at__isnull=True).exists()
    assert not deals.filter(status="lost", lost_reason="").exists()
    assert not deals.exclude(status="open").filter(closed_at__isnull=True).exists()


def test_same_seed_same_data_other_seed_other_data():
    _load(accounts=40, seed=5)
    first = list(Account.objects.order_by("id").values_list("name", "phone", "owner__username"))
    contacts = list(Contact.objects.order_by("id").values_list("name", "mobile"))
    assert loader.delete_demo()
    assert not Account.objects.exists()
    _load(accounts=40, seed=5)
    assert (
        list(Account.objects.order_by("id").values_list("name", "phone", "owner__username"))
        == first
    )
    assert list(Contact.objects.order_by("id").values_list("name", "mobile")) == contacts
    loader.delete_demo()
    _load(accounts=40, seed=6)
    assert list(Account.objects.order_by("id").values_list("name", flat=True)) != [
        f[0] for f in first
    ]


def test_values_are_normalised_like_the_services_store_them():
    _load(accounts=300, seed=3)
    phones = [p for p in Account.objects.values_list("phone", flat=True) if p]
    for mobile, office in Contact.objects.values_list("mobile", "phone"):
        phones += [p for p in (mobile, office) if p]
    assert len(phones) > 600
    for phone in phones:
        number = phonenumbers.parse(phone, None)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    emails = [e for e in Contact.objects.values_list("email", flat=True) if e]
    emails += [e for e in Account.objects.values_list("email", flat=True) if e]
    for email in emails:
        assert normalize_email(email) == email
    # Chinese and ~10% English-named export customers, with their own countries.
    names = list(Account.objects.values_list("name", "region", "country"))
    export = [n for n in names if n[1] == "overseas"]
    assert 10 <= len(export) <= 60
    assert all(not _is_cjk(n[0]) and n[2] != "CN" for n in export)
    assert all(_is_cjk(n[0]) and n[2] == "CN" for n in names if n[1] != "overseas")
    # Search tokens are exactly what the services compute.
    for account in Account.objects.all():
        assert account.search_tokens == account_tokens(account)
    for contact in Contact.objects.all():
        assert contact.search_tokens == contact_tokens(contact)
    for deal in Opportunity.objects.all():
        assert deal.search_tokens == opportunity_tokens(deal)


def test_search_finds_chinese_fragments_and_latin_surnames():
    _load(accounts=200, seed=1)
    admin = _user("admin")
    chinese = Account.objects.filter(kind="b2b", country="CN").order_by("id").first()
    fragment = chinese.name[:2]
    found = selectors.account_queryset(admin, q=fragment)
    assert chinese in found
    assert all(fragment in a.name or fragment in a.city + a.province for a in found)

    person = Contact.objects.filter(name__regex=r"^[^A-Za-z]{3}$").order_by("id").first()
    given = person.name[1:]  # a two-character given name, e.g. 建华
    assert person in selectors.contact_queryset(admin, q=given)

    latin = Contact.objects.filter(account__region="overseas").order_by("id").first()
    surname = latin.name.split()[-1]
    assert latin in selectors.contact_queryset(admin, q=surname)
    export = Account.objects.filter(region="overseas").order_by("id").first()
    word = export.name.split()[0]
    assert export in selectors.account_queryset(admin, q=word)
    page = selectors.account_list(admin, q=word, limit=5)
    assert page.items


def test_users_roles_teams_and_visibility():
    _load(accounts=300, seed=2)
    users = {u.username: u for u in User.objects.select_related("role", "team")}
    assert set(users) >= {"admin", "manager", "rep1", "rep2", "rep3", "rep4", "rep5"}
    assert users["admin"].role.code == "admin"
    assert users["manager"].role.code == "sales_manager"
    top = users["manager"].team
    assert top.parent_id is None and top.path == f"/{top.pk}/"
    for n in range(1, 6):
        rep = users[f"rep{n}"]
        assert rep.role.code == "sales_rep"
        assert rep.team.parent_id == top.pk
        assert rep.team.path == f"{top.path}{rep.team.pk}/"
        assert rep.check_password(loader.PASSWORD)
        assert _is_cjk(rep.display_name) or n == 5
    assert Team.objects.filter(organisation=top.organisation_id).count() == 6

    total = Account.objects.count()
    own = selectors.account_queryset(users["rep1"])
    assert 0 < own.count() < total
    assert set(own.values_list("owner__username", flat=True)) == {"rep1"}
    assert set(own.values_list("region", flat=True)) == {"east"}
    assert selectors.account_queryset(users["manager"]).count() == total
    assert selectors.account_queryset(users["admin"]).count() == total
    assert set(Account.objects.values_list("owner__username", flat=True)) == {
        "manager",
        "rep1",
        "rep2",
        "rep3",
        "rep4",
        "rep5",
    }
    # Each rep has something on the home page: open tasks due in the coming days.
    for n in range(1, 6):
        rep = users[f"rep{n}"]
        assert Activity.objects.filter(owner=rep, done=False, due_at__gt=NOW).count() >= 3
    account = own.first()
    timeline = core_selectors.timeline(users["rep1"], account)
    assert timeline and timeline[-1].verb == "account.created"


def _loaded_accounts() -> int:
    """Accounts of the demo less those its converted leads created."""
    from guanxi.leads.models import Lead

    return Account.objects.count() - Lead.objects.filter(status="converted").count()


def test_command_if_empty_is_idempotent_and_reset_reloads(capsys):
    from guanxi.leads.models import Lead

    call_command("demo", "--accounts", "20", "--seed", "4", "--if-empty")
    count = Account.objects.count()
    assert _loaded_accounts() == 20
    # the demo comes with leads: some owned, some in the pool, some with a history
    assert Lead.objects.count() == 30
    assert Lead.objects.filter(owner__isnull=True, pool__isnull=False).exists()
    assert Lead.objects.filter(owner__isnull=False).exists()
    call_command("demo", "--accounts", "20", "--if-empty")
    assert Account.objects.count() == count
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000" in out and "guanxi-demo" in out and "rep1" in out
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--accounts", "20")
    call_command("demo", "--accounts", "15", "--reset")
    assert _loaded_accounts() == 15
    assert User.objects.filter(username="rep1").count() == 1


def test_common_terms_find_the_same_rows_in_the_same_order(monkeypatch):
    """On SQLite a term with many matches takes another plan; the answer must not change."""
    from guanxi.core import search

    _load(accounts=150, seed=8)
    admin = _user("admin")
    terms = ["有限", "Carter", "食品"]

    def ids(q):
        return [
            a.pk for a in selectors.account_list(admin, q=q, sort="-updated_at", limit=20).items
        ]

    before = {q: ids(q) for q in terms}
    monkeypatch.setattr(search, "COMMON_MATCHES", 1)
    after = {q: ids(q) for q in terms}
    assert before == after
    assert before["有限"]


@pytest.mark.parametrize("bulk", [False, True])
def test_board_totals_are_right_after_a_load_and_a_delete(bulk):
    """The loader suspends the triggers keeping the deals' totals and the open-lead counts,
    and recounts after the load."""
    from django.db.models import Count, Sum

    from guanxi.demo.leads import load_leads
    from guanxi.leads.models import OPEN_STATUSES, Lead, OwnerLoad
    from guanxi.sales.models import Pipeline, StageTotal
    from guanxi.sales.selectors import kanban_totals, opportunity_queryset

    loader.load(accounts=60, seed=3, now=NOW, bulk=bulk)
    for username in ("admin", "manager", "rep1"):
        user = _user(username)
        pipeline = Pipeline.objects.get(organisation=user.organisation, is_default=True)
        counted = {
            row["stage_id"]: (row["n"], row["total"])
            for row in opportunity_queryset(user)
            .filter(pipeline=pipeline)
            .order_by()
            .values("stage_id")
            .annotate(n=Count("id"), total=Sum("amount"))
        }
        kept = {k: (v["count"], v["total"]) for k, v in kanban_totals(user, pipeline).items()}
        assert kept == counted and counted
    load_leads(_user("admin").organisation, 40, seed=3)
    open_leads = dict(
        Lead.objects.filter(owner__isnull=False, status__in=OPEN_STATUSES)
        .values_list("owner_id")
        .annotate(n=Count("id"))
    )
    loads = dict(OwnerLoad.objects.filter(open_leads__gt=0).values_list("owner_id", "open_leads"))
    assert loads == open_leads and open_leads
    assert loader.delete_demo()
    assert not StageTotal.objects.exists() and not OwnerLoad.objects.exists()
    # Upkeep is back after the delete: a new load is counted again.
    loader.load(accounts=5, seed=3, now=NOW)
    load_leads(_user("admin").organisation, 10, seed=3)
    assert StageTotal.objects.exists() and OwnerLoad.objects.exists()


@pytest.mark.parametrize("few", [20_000, -1])
def test_search_results_come_newest_first_page_after_page(monkeypatch, few):
    """With a ``q`` and no ``sort``: every match the user may see, highest id first, and the
    cursor pages through them without gap or repeat — on SQLite straight from FTS5, on
    PostgreSQL by either plan (``few``: every term rare, or every term common)."""
    from guanxi.core import search
    from guanxi.customers.selectors import contact_list, contact_queryset
    from guanxi.sales.selectors import opportunity_list, opportunity_queryset

    monkeypatch.setattr(search, "PG_FEW_MATCHES", few)
    _load(accounts=150, seed=8)
    lists = [
        (selectors.account_list, selectors.account_queryset),
        (contact_list, contact_queryset),
        (opportunity_list, opportunity_queryset),
    ]
    for username in ("admin", "manager", "rep1"):
        user = _user(username)
        for q in ("有限", "食品", "Carter", "王", "zzzz"):
            for list_fn, queryset_fn in lists:
                want = sorted(queryset_fn(user, q=q).values_list("id", flat=True), reverse=True)
                got, cursor = [], None
                while True:
                    page = list_fn(user, q=q, cursor=cursor, limit=7)
                    assert page.sort == "-id"
                    got += [row.pk for row in page.items]
                    cursor = page.next_cursor
                    if not cursor:
                        break
                assert got == want, (username, q, list_fn.__name__)
    # The visible rows only: a rep's search never returns a colleague's record.
    rep = _user("rep1")
    assert all(a.owner_id == rep.pk for a in selectors.account_list(rep, q="有限").items)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_on_sqlite_leaves_the_database_in_wal_mode(monkeypatch):
    """The load writes through a rollback journal when it has the database to itself (no
    double write through the WAL), waits for no other connection, and puts WAL back."""
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    switched = []
    switch = loader._set_journal_mode

    def spy(cursor, wanted):
        switched.append((wanted, switch(cursor, wanted)))
        return switched[-1][1]

    monkeypatch.setattr(loader, "_set_journal_mode", spy)

    def mode():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            return cursor.fetchone()[0]

    assert mode() == "wal"
    result = loader.load(accounts=30, seed=2, now=NOW, bulk=True)
    assert result.phases["commit"] >= 0
    assert mode() == "wal" and Account.objects.count() == 30
    assert switched == [("delete", "wal"), ("wal", "delete")]
    loader.delete_demo()
    switched.clear()
    # Another connection reading: the load stays in WAL mode rather than wait for it.
    other = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM customers_account").fetchone()
        loader.load(accounts=20, seed=2, now=NOW, bulk=True)
    finally:
        other.rollback()
        other.close()
    assert mode() == "wal" and Account.objects.count() == 20
    assert switched == [("delete", None)]


def test_demo_targets_forecasts_and_stage_history():
    from guanxi.analytics.models import StageSpell
    from guanxi.demo.planning import load_planning
    from guanxi.sales.models import ForecastSubmission, Target

    result = _load(accounts=30)
    org = result.organisation
    assert load_planning(org) == Target.objects.filter(organisation=org).count() > 0
    assert ForecastSubmission.objects.filter(organisation=org).count() == 3
    assert ForecastSubmission.objects.filter(commit_adjusted__isnull=False).count() == 1
    deals = Opportunity.objects.filter(organisation=org).count()
    assert StageSpell.objects.filter(organisation=org).count() == deals
