"""The Duplicates page, the merge page, undo on the timeline, and the same over the API."""

from __future__ import annotations

from guanxi.core.normalize import format_phone
from guanxi.customers.models import Contact
from guanxi.customers.services import account_create, contact_create
from guanxi.dataio.models import DedupeRun, DuplicateCluster, Merge


def _pairs(owner, n):
    """``n`` pairs of duplicate contacts owned by ``owner``."""
    account = account_create(actor=owner, data={"name": f"鑫盛食品有限公司 {owner.pk}"})
    out = []
    for i in range(n):
        mobile = f"138{owner.pk % 1000:03d}{i:05d}"
        a = contact_create(actor=owner, data={"name": "张伟", "account": account, "mobile": mobile})
        b = contact_create(
            actor=owner,
            data={"name": "Zhang Wei", "account": account, "mobile": f"+86 {mobile}"},
        )
        out.append((a, b))
    return out


def test_duplicates_page_search_merge_and_undo(
    world, client_for, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    manager = world.users["east_manager"]
    (a, b), *_rest = _pairs(world.users["rep_a"], 3)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/duplicates/search/", {"type": "contact", "threshold": "80"})
    assert response.status_code == 302
    with django_assert_max_num_queries(14):
        page = client.get("/duplicates/?type=contact")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("duplicate-group") == 3 and "Zhang Wei" in html
    assert f"<td>{format_phone(a.mobile)}</td>" in html and f"<td>{a.mobile}</td>" not in html
    cluster = DuplicateCluster.objects.get(members__object_id=a.pk)
    url = f"/duplicates/merge/?type=contact&survivor={a.pk}&merged={b.pk}&cluster={cluster.pk}"
    form = client.get(url)
    assert form.status_code == 200 and "field_mobile" not in form.content.decode()  # same
    assert 'name="field_name"' in form.content.decode()
    done = client.post(
        "/duplicates/merge/",
        {
            "type": "contact",
            "survivor": a.pk,
            "merged": b.pk,
            "cluster": cluster.pk,
            "field_name": "merged",
        },
    )
    assert done.status_code == 302 and done["Location"] == f"/contacts/{a.pk}/"
    assert Contact.objects.get(pk=a.pk).name == "Zhang Wei"
    assert not Contact.objects.filter(pk=b.pk).exists()
    merge = Merge.objects.get()
    timeline = client.get(f"/accounts/{a.account_id}/").content.decode()
    assert f"/duplicates/merges/{merge.pk}/undo/" in timeline
    assert client.post(f"/duplicates/merges/{merge.pk}/undo/").status_code == 302
    assert Contact.objects.get(pk=b.pk).name == "Zhang Wei"
    assert Contact.objects.get(pk=a.pk).name == "张伟"
    timeline = client.get(f"/accounts/{a.account_id}/").content.decode()
    assert f"/duplicates/merges/{merge.pk}/undo/" not in timeline


def test_polled_search_panel_reloads_the_page_when_the_search_is_over(
    world, client_for, django_capture_on_commit_callbacks
):
    """The panel polls while the search runs; the groups it found are outside the panel, so
    the page reloads when it is over."""
    _pairs(world.users["rep_a"], 1)
    client = client_for(world.users["admin"])
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet run
        client.post("/duplicates/search/", {"type": "contact", "threshold": "80"})
    polled = client.get("/duplicates/?type=contact&part=run")
    assert 'hx-trigger="every 2s"' in polled.content.decode()
    assert "HX-Refresh" not in polled
    DedupeRun.objects.update(status=DedupeRun.Status.DONE)
    polled = client.get("/duplicates/?type=contact&part=run")
    assert polled["HX-Refresh"] == "true"
    assert "HX-Refresh" not in client.get("/duplicates/?type=contact")  # the page itself


def test_pages_refuse_what_the_user_may_not_do(world, client_for):
    ((a, b),) = _pairs(world.users["rep_a"], 1)
    rep = client_for(world.users["rep_a"])
    assert rep.get("/duplicates/?type=contact").status_code == 200
    assert rep.post("/duplicates/search/", {"type": "contact"}).status_code == 403
    url = f"/duplicates/merge/?type=contact&survivor={a.pk}&merged={b.pk}"
    assert rep.post(url, {"type": "contact", "survivor": a.pk, "merged": b.pk}).status_code == 403
    other = client_for(world.users["rep_c"])
    assert other.get(url).status_code == 404


def test_possible_duplicates_panel_on_the_contact_page(world, client_for):
    ((a, b),) = _pairs(world.users["rep_a"], 1)
    html = client_for(world.users["rep_a"]).get(f"/contacts/{b.pk}/").content.decode()
    assert "Possible duplicates" in html and f"/contacts/{a.pk}/" in html


def test_api_run_list_merge_undo(world, api, django_capture_on_commit_callbacks):
    ((a, b),) = _pairs(world.users["rep_a"], 1)
    admin = api(world.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        status, run, _ = admin.post("/duplicates/runs", {"type": "contact", "threshold": 80})
    assert status == 202
    status, run, _ = admin.get(f"/duplicates/runs/{run['id']}")
    assert run["status"] == "done" and run["clusters"] == 1
    status, page, _ = admin.get("/duplicates", type="contact", min_confidence=90)
    assert status == 200 and len(page["items"]) == 1
    item = page["items"][0]
    assert {r["id"] for r in item["records"]} == {a.pk, b.pk} and item["confidence"] >= 90
    status, body, _ = api(world.users["rep_c"]).get("/duplicates", type="contact")
    assert body["items"] == []
    status, merge, _ = admin.post(
        "/merges",
        {"type": "contact", "survivor": a.pk, "merged": b.pk, "values": {"name": "merged"}},
    )
    assert status == 201 and merge["survivor"] == a.pk
    status, body, _ = admin.post("/merges", {"type": "contact", "survivor": a.pk, "merged": b.pk})
    assert status == 404  # merged is gone
    status, undone, _ = admin.post(f"/merges/{merge['id']}/undo")
    assert status == 200 and undone["undone_at"]
    status, body, _ = admin.post(f"/merges/{merge['id']}/undo")
    assert status == 409
    status, body, _ = api(world.users["rep_a"]).post(
        "/merges", {"type": "contact", "survivor": a.pk, "merged": b.pk}
    )
    assert status == 403
    status, body, _ = admin.post("/duplicates/runs", {"type": "contact", "threshold": 5})
    assert status == 422
