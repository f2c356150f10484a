"""Role × ownership × endpoint: nothing leaks, nothing changes without the right.

The world (tests/conftest.py): org A with teams Sales > East, North. admin (whole org),
manager (team scope at Sales: everyone), east_manager (team scope at East: rep_a, rep_b),
rep_a/rep_b (East, own records), rep_c (North); stranger is org B's admin.
"""

from __future__ import annotations

import pytest

OWNERS = ["admin", "manager", "rep_a", "rep_b", "rep_c", "stranger"]
VISIBLE = {
    "admin": {"admin", "manager", "rep_a", "rep_b", "rep_c"},
    "manager": {"admin", "manager", "rep_a", "rep_b", "rep_c"},
    "east_manager": {"rep_a", "rep_b"},
    "rep_a": {"rep_a"},
    "rep_c": {"rep_c"},
    "stranger": {"stranger"},
}
ACTORS = list(VISIBLE)
# object endpoint -> (record attribute, field to change, may a rep delete it)
OBJECTS = {
    "accounts": ("account", "name", False),
    "contacts": ("contact", "name", False),
    "opportunities": ("opportunity", "name", False),
    "activities": ("activity", "subject", True),
}


def _record(world, owner, attr):
    return getattr(world.records[owner], attr)


def _reload(obj):
    return type(obj).objects.filter(pk=obj.pk).first()


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(OBJECTS))
@pytest.mark.parametrize("actor", ACTORS)
def test_list_shows_exactly_the_visible_records(world, api, actor, endpoint):
    client = api(world.users[actor])
    attr = OBJECTS[endpoint][0]
    status, body, _ = client.get(f"/{endpoint}", limit=200)
    assert status == 200
    seen = {item["id"] for item in body["items"]}
    expected = {_record(world, o, attr).pk for o in VISIBLE[actor]}
    assert seen == expected


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(OBJECTS))
@pytest.mark.parametrize("actor", ACTORS)
def test_detail_update_assign_delete_by_ownership(world, api, actor, endpoint):
    user = world.users[actor]
    client = api(user)
    attr, field, rep_may_delete = OBJECTS[endpoint]
    is_rep = user.role.code == "sales_rep"
    for owner in OWNERS:
        obj = _record(world, owner, attr)
        before = _reload(obj)
        visible = owner in VISIBLE[actor]
        path = f"/{endpoint}/{obj.pk}"

        status, body, _ = client.get(path)
        assert status == (200 if visible else 404), (actor, owner, "detail", body)
        if not visible:
            assert body["error"]["code"] == "not_found"

        status, body, _ = client.patch(path, {field: "changed by " + actor})
        assert status == (200 if visible else 404), (actor, owner, "update", body)
        if not visible:
            after = _reload(obj)
            assert getattr(after, field) == getattr(before, field)
            assert after.version == before.version

        status, body, _ = client.post(path + "/assign", {"owner": user.pk})
        assert status == (200 if visible else 404), (actor, owner, "assign", body)

        status, body, _ = client.delete(path)
        if not visible:
            assert status == 404, (actor, owner, "delete")
            assert _reload(obj) is not None
        elif is_rep and not rep_may_delete:
            assert status == 403, (actor, owner, "delete")
            assert body["error"]["code"] == "permission_denied"
            assert _reload(obj) is not None
        elif endpoint == "accounts":
            # allowed, but an account with deals cannot be deleted: refused, nothing changed
            assert status == 422, (actor, owner, "delete", body)
            assert _reload(obj) is not None
        else:
            assert status == 204, (actor, owner, "delete", body)
            assert _reload(obj) is None


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_timeline_and_search_follow_the_same_scope(world, api, actor):
    client = api(world.users[actor])
    for owner in OWNERS:
        account = world.records[owner].account
        status, _, _ = client.get(f"/accounts/{account.pk}/timeline")
        assert status == (200 if owner in VISIBLE[actor] else 404)
    status, body, _ = client.get("/search", q="account")
    assert status == 200
    names = {a["name"] for a in body["accounts"]}
    assert names == {f"Account of {o}" for o in VISIBLE[actor]}


@pytest.mark.django_db
def test_timeline_hides_events_about_records_outside_the_scope(world, api):
    from guanxi.customers.services import contact_create

    rep_a, rep_b = world.users["rep_a"], world.users["rep_b"]
    account = world.records["rep_a"].account
    # rep_b's manager gives rep_b a contact at rep_a's account: rep_a must not see it
    contact_create(
        actor=world.users["admin"],
        owner=rep_b,
        data={"name": "Secret contact", "account": account.pk},
    )
    _, events, _ = api(rep_a).get(f"/accounts/{account.pk}/timeline")
    assert all(e["object_repr"] != "Secret contact" for e in events)
    _, events, _ = api(world.users["manager"]).get(f"/accounts/{account.pk}/timeline")
    assert any(e["object_repr"] == "Secret contact" for e in events)


@pytest.mark.django_db
def test_related_records_must_be_visible(world, api):
    rep_a = api(world.users["rep_a"])
    for other in ("rep_c", "stranger"):
        account = world.records[other].account
        status, body, _ = rep_a.post("/contacts", {"name": "x", "account": account.pk})
        assert status == 422
        assert "account" in body["error"]["fields"]
        status, body, _ = rep_a.post("/opportunities", {"name": "x", "account": account.pk})
        assert status == 422
    # assigning to someone outside one's scope is refused
    mine = world.records["rep_a"].account
    status, body, _ = rep_a.post(f"/accounts/{mine.pk}/assign", {"owner": world.users["rep_b"].pk})
    assert status == 422 and "owner" in body["error"]["fields"]
    status, body, _ = api(world.users["admin"]).post(
        f"/accounts/{mine.pk}/assign", {"owner": world.users["stranger"].pk}
    )
    assert status == 422


@pytest.mark.django_db
def test_role_without_read_right_sees_nothing(world, api):
    from guanxi.core.services import role_update

    admin = world.users["admin"]
    role = world.users["rep_a"].role
    perms = dict(role.permissions)
    perms.pop("account")
    role_update(actor=admin, role=role, permissions=perms, scope=role.scope)
    client = api(world.users["rep_a"])
    status, body, _ = client.get("/accounts")
    assert status == 200 and body["items"] == []
    status, _, _ = client.get(f"/accounts/{world.records['rep_a'].account.pk}")
    assert status == 404
    status, body, _ = client.post("/accounts", {"name": "x"})
    assert status == 403


@pytest.mark.django_db
def test_admin_only_endpoints(world, api):
    rep, admin = world.users["rep_a"], world.users["admin"]
    role_id = rep.role_id
    status, _, _ = api(rep).put(f"/roles/{role_id}", {"scope": "organisation", "permissions": {}})
    assert status == 403
    status, _, _ = api(rep).patch(f"/users/{rep.pk}", {"role": "admin"})
    assert status == 403
    rep.refresh_from_db()
    assert rep.role.code == "sales_rep"
    status, _, _ = api(rep).get("/events")
    assert status == 200  # no right to read events: an empty list, not an error
    status, _, _ = api(admin).patch(f"/users/{world.users['stranger'].pk}", {"role": "sales_rep"})
    assert status == 404
