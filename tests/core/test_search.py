import pytest

from guanxi.core.search import Term, parse_query, tokens
from guanxi.customers.selectors import account_queryset, contact_queryset
from guanxi.customers.services import account_create, contact_create


def test_tokens_hold_chinese_characters_and_pairs_and_latin_words():
    assert set(tokens("张伟").split()) == {"张", "伟", "张伟"}
    assert tokens("Émilie  CARTER", "x@ex.com") == "emilie carter x ex com"
    # full-width Latin is folded, duplicates kept once
    assert tokens("ＡＢＣ abc") == "abc"
    assert tokens(None, "") == ""


def test_query_terms_latin_prefix_and_chinese_pairs():
    assert parse_query("Car") == [Term("car", True)]
    assert parse_query("张伟") == [Term("张伟", False)]
    assert parse_query("王小明") == [Term("王小", False), Term("小明", False)]
    assert parse_query("王") == [Term("王", False)]
    assert parse_query("  !!  ") == []
    assert len(parse_query(" ".join(f"w{i}" for i in range(50)))) == 8


@pytest.mark.django_db
def test_search_finds_latin_and_chinese_fragments(admin):
    shop = account_create(actor=admin, data={"name": "杭州鑫盛食品有限公司", "city": "杭州"})
    export = account_create(actor=admin, data={"name": "Harbor Snacks Ltd"})
    contact_create(actor=admin, data={"name": "张伟", "mobile": "13812345678", "account": shop})
    contact_create(actor=admin, data={"name": "Emily Carter", "email": "emily@harbor.example"})

    def names(qs):
        return sorted(x.name for x in qs)

    assert names(account_queryset(admin, q="鑫盛")) == ["杭州鑫盛食品有限公司"]
    assert names(account_queryset(admin, q="harb")) == ["Harbor Snacks Ltd"]
    assert names(account_queryset(admin, q="杭州 食品")) == ["杭州鑫盛食品有限公司"]
    assert names(contact_queryset(admin, q="张伟")) == ["张伟"]
    assert names(contact_queryset(admin, q="carter")) == ["Emily Carter"]
    assert names(contact_queryset(admin, q="13812345678")) == ["张伟"]
    assert names(contact_queryset(admin, q="harbor.example")) == ["Emily Carter"]
    assert names(account_queryset(admin, q="不存在")) == []
    assert names(account_queryset(admin, q="%%")) == []
    assert export.pk


@pytest.mark.django_db
def test_search_follows_updates_and_deletes(admin):
    from guanxi.customers.services import account_delete, account_update

    a = account_create(actor=admin, data={"name": "Old Name Trading"})
    a = account_update(actor=admin, account=a, data={"name": "广州新名贸易"})
    assert list(account_queryset(admin, q="old")) == []
    assert [x.pk for x in account_queryset(admin, q="新名")] == [a.pk]
    account_delete(actor=admin, account=a)
    assert list(account_queryset(admin, q="新名")) == []


@pytest.mark.django_db
def test_search_order_is_newest_first_unless_another_is_asked(admin):
    from guanxi.customers.selectors import account_list

    made = [account_create(actor=admin, data={"name": f"Carter {n} 有限公司"}) for n in "BCA"]
    newest = [a.pk for a in reversed(made)]
    assert [a.pk for a in account_list(admin, q="carter").items] == newest
    assert [a.pk for a in account_list(admin, q="有限").items] == newest
    assert [a.name for a in account_list(admin, q="有限", sort="name").items] == [
        "Carter A 有限公司",
        "Carter B 有限公司",
        "Carter C 有限公司",
    ]
    first = account_list(admin, q="carter", limit=2)
    assert [a.pk for a in first.items] == newest[:2] and first.next_cursor
    rest = account_list(admin, q="carter", limit=2, cursor=first.next_cursor)
    assert [a.pk for a in rest.items] == newest[2:] and rest.next_cursor is None
    # -id is also a sort of its own, with or without a search.
    assert [a.pk for a in account_list(admin, sort="-id").items] == newest
    # Other sorts keep their default without a search.
    assert account_list(admin).sort == "-updated_at"


SEARCHED_TABLES = ("customers_account", "customers_contact", "sales_opportunity", "leads_lead")


@pytest.mark.django_db
def test_every_search_index_and_trigger_survives_the_migrations():
    """Altering a column makes SQLite copy its table, and the triggers that keep the search
    index, the deal totals and the open-lead counts stay behind with the old copy unless a
    migration restores them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            found = {row[0] for row in cursor.fetchall()}
            expected = {f"{t}_fts_{s}" for t in SEARCHED_TABLES for s in ("ai", "ad", "au")}
            expected |= {f"sales_opportunity_totals_{s}" for s in ("ai", "ad", "au")}
            expected |= {f"leads_lead_load_{s}" for s in ("ai", "ad", "au_off", "au_on")}
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            found = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_search_idx'")
            found |= {row[0] for row in cursor.fetchall()}
            expected = {f"{t}_search_idx" for t in SEARCHED_TABLES}
            expected |= {f"sales_opportunity_totals_{s}" for s in ("insert", "update", "delete")}
            expected |= {f"leads_lead_load_{s}" for s in ("insert", "update", "delete")}
    assert expected <= found
