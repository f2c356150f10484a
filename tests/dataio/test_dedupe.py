"""The duplicate finder: keys, quality on the labelled set, the job and what users see."""

from __future__ import annotations

import pytest

from benchmarks.dedupe_data import found_pairs, generate, quality, true_pairs
from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.matching import company_key, email_key, name_key, phone_key, similarity
from guanxi.customers.services import account_create, contact_create
from guanxi.dataio.dedupe import engine, selectors, services
from guanxi.dataio.models import DedupeRun, DuplicateCluster


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张伟", "Zhang Wei"),
        ("张伟", "WEI Zhang"),
        ("刘凯浩", "Kaihao LIU"),
        ("John Smith", "SMITH, John"),
        ("ｊｏｈｎ  smith", "John Smith"),
    ],
)
def test_name_key_ignores_script_order_and_case(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    "raw", ["+86 138 0013 8000", "138-0013-8000", "0086 13800138000", "8613800138000"]
)
def test_phone_key_ignores_formatting(raw):
    assert phone_key(raw) == phone_key("+8613800138000") == "13800138000"


def test_email_and_company_keys():
    assert email_key(" Zhang.Wei@QQ.com ") == "zhang.wei@qq.com"
    assert company_key("杭州鑫盛食品有限公司") == company_key("鑫盛食品股份有限公司")
    assert similarity(company_key("鑫盛食品（杭州）有限公司"), company_key("鑫盛食品公司")) >= 95
    assert company_key("Acme Foods Co., Ltd.") == company_key("ACME FOODS LIMITED")


def _contact_rows(labelled):
    names = {a[0]: a[1] for a in labelled.accounts}
    return [engine.Row(c[0], c[1], names.get(c[2], ""), (c[3],), c[4]) for c in labelled.contacts]


def test_finder_precision_and_recall_on_the_labelled_set():
    labelled = generate(20_000, seed=11)
    found = engine.find(_contact_rows(labelled))
    truth = true_pairs([c[0] for c in labelled.contacts], labelled.contact_entity)
    q = quality(found_pairs(found), truth)
    assert q["pairs"] > 1000
    assert q["precision"] >= 0.95 and q["recall"] >= 0.90, q
    accounts = [engine.Row(a[0], "", a[1], (a[2],), a[3]) for a in labelled.accounts]
    found = engine.find(accounts, people=False)
    truth = true_pairs([a[0] for a in labelled.accounts], labelled.account_entity)
    q = quality(found_pairs(found), truth)
    assert q["precision"] >= 0.95 and q["recall"] >= 0.90, q


def test_threshold_trades_recall_for_precision():
    labelled = generate(5_000, seed=3)
    truth = true_pairs([c[0] for c in labelled.contacts], labelled.contact_entity)
    loose = quality(found_pairs(engine.find(_contact_rows(labelled), threshold=50)), truth)
    strict = quality(found_pairs(engine.find(_contact_rows(labelled), threshold=99)), truth)
    assert loose["recall"] >= strict["recall"]
    assert strict["precision"] >= loose["precision"]


def test_clusters_rank_by_confidence_and_skip_big_blocks():
    rows = [engine.Row(i, f"Person {i}", "", ("+8613800000000",), "") for i in range(1, 80)]
    rows += [
        engine.Row(100, "张伟", "鑫盛食品有限公司", ("13800138000",), "zw@x.cn"),
        engine.Row(101, "Zhang Wei", "杭州鑫盛食品有限公司", ("+86 138 0013 8000",), ""),
        engine.Row(102, "王芳", "Acme Co., Ltd.", (), "WF@x.cn"),
        engine.Row(103, "Wang Fang", "", (), "wf@x.cn"),
    ]
    found = engine.find(rows)
    assert [c.members for c in found] == [[100, 101], [102, 103]]
    assert found[0].confidence >= found[1].confidence >= engine.DEFAULT_THRESHOLD


def _dupes(actor):
    a = account_create(actor=actor, data={"name": "杭州鑫盛食品有限公司"})
    b = account_create(actor=actor, data={"name": "鑫盛食品有限公司"})
    c1 = contact_create(actor=actor, data={"name": "张伟", "account": a, "mobile": "13800138000"})
    c2 = contact_create(
        actor=actor, data={"name": "Zhang Wei", "account": b, "mobile": "+86 138 0013 8000"}
    )
    return a, b, c1, c2


def test_search_job_stores_groups_and_users_see_their_own(
    world, django_capture_on_commit_callbacks
):
    rep_a, rep_c = world.users["rep_a"], world.users["rep_c"]
    _dupes(rep_a)
    manager = world.users["east_manager"]
    with django_capture_on_commit_callbacks(execute=True):
        run = services.dedupe_start(actor=manager, object_type="contact", threshold=80)
    run.refresh_from_db()
    assert run.status == DedupeRun.Status.DONE and run.clusters == 1 and run.progress == 100
    page = selectors.cluster_list(rep_a, object_type="contact")
    assert [sorted(r.name for r in c.records) for c in page.items] == [["Zhang Wei", "张伟"]]
    assert selectors.cluster_list(rep_c, object_type="contact").items == []
    assert selectors.cluster_list(world.users["stranger"], object_type="contact").items == []
    # a dismissed group stays away on the next search
    services.cluster_dismiss(actor=manager, cluster=page.items[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.dedupe_start(actor=manager, object_type="contact")
    assert selectors.cluster_list(rep_a, object_type="contact").items == []
    assert DuplicateCluster.objects.filter(status="dismissed").count() == 1


def test_search_needs_the_delete_right_and_a_sane_threshold(world):
    with pytest.raises(PermissionDenied):
        services.dedupe_start(actor=world.users["rep_a"], object_type="account")
    with pytest.raises(ValidationFailed):
        services.dedupe_start(actor=world.users["admin"], object_type="account", threshold=5)


def test_possible_duplicates_on_entry(world):
    rep = world.users["rep_a"]
    a, b, c1, c2 = _dupes(rep)
    assert [r.pk for r, _v in selectors.possible_duplicates(rep, "contact", c2)] == [c1.pk]
    assert [r.pk for r, _v in selectors.possible_duplicates(rep, "account", b)] == [a.pk]
    # a record the user cannot see is never offered
    assert selectors.possible_duplicates(world.users["rep_c"], "contact", c2) == []
