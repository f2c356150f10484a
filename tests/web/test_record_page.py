"""The customer 360° page: facts, figures, panels and a readable timeline."""

from __future__ import annotations

from django.urls import reverse

from guanxi.activities.services import activity_complete
from guanxi.customers.services import account_assign, account_update
from guanxi.sales.services import opportunity_move


def test_360_page_shows_figures_panels_and_timeline(world, client_for):
    rep = world.users["rep_a"]
    records = world.records["rep_a"]
    account = records.account
    account_update(actor=rep, account=account, data={"grade": "A", "city": "杭州"})
    activity_complete(actor=rep, activity=records.activity)
    won = records.opportunity.pipeline.stages.get(kind="won")
    opportunity_move(actor=rep, opportunity=records.opportunity, stage=won)
    response = client_for(rep).get(reverse("customers:account_detail", args=[account.pk]))
    html = response.content.decode()
    labels = [str(f["label"]) for f in response.context["figures"]]
    assert labels[:3] == ["Won revenue", "Open pipeline", "Open deals"]
    assert "¥1,000.00" in html  # won revenue
    assert {p["key"] for p in response.context["panels"]} == {
        "contacts",
        "deals",
        "orders",
        "contracts",
        "tasks",
    }
    assert "Contact of rep_a" in html
    sentences = [str(item["sentence"]) for item in response.context["timeline"]]
    assert any("won the deal" in s and "Deal of rep_a" in s for s in sentences)
    assert any("completed the call" in s for s in sentences)
    assert any("updated the account" in s for s in sentences)
    assert any("created the account" in s for s in sentences)
    changes = next(
        i["changes"] for i in response.context["timeline"] if i["event"].verb == "account.updated"
    )
    assert {"label": "Grade", "old": "—", "new": "A — key account"} in changes


def test_assignment_sentence_names_the_new_owner(world, client_for):
    manager = world.users["manager"]
    account = world.records["manager"].account
    account_assign(actor=manager, account=account, owner=world.users["rep_a"])
    response = client_for(manager).get(reverse("customers:account_detail", args=[account.pk]))
    first = str(response.context["timeline"][0]["sentence"])
    assert "handed the account" in first and "rep_a" in first


def test_timeline_loads_older_entries(world, client_for):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    for i in range(35):
        account_update(actor=rep, account=account, data={"industry": f"Food {i}"})
    client = client_for(rep)
    response = client.get(reverse("customers:account_detail", args=[account.pk]))
    older = response.context["older"]
    assert older and len(response.context["timeline"]) == 30
    more = client.get(
        reverse("customers:account_timeline", args=[account.pk]),
        {"before": older},
        HTTP_HX_REQUEST="true",
    )
    ids = [i["event"].pk for i in more.context["timeline"]]
    assert ids and max(ids) < older
    assert b"<html" not in more.content


def test_timeline_hides_events_of_invisible_records(world, client_for):
    """A manager's contact on a rep's account: the rep does not see it on the timeline."""
    from guanxi.customers.services import contact_create

    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    contact_create(actor=world.users["admin"], data={"name": "Secret person", "account": account})
    response = client_for(rep).get(reverse("customers:account_detail", args=[account.pk]))
    assert "Secret person" not in response.content.decode()


def test_settings_change_role(world, client_for):
    admin = world.users["admin"]
    rep = world.users["rep_a"]
    manager_role = world.users["manager"].role
    client = client_for(admin)
    response = client.post(
        reverse("web:settings_user_edit", args=[rep.pk]),
        {"role": manager_role.pk, "team": rep.team_id},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.role == manager_role
    audit = client.get(reverse("web:settings_audit")).content.decode()
    assert "changed the role or team of" in audit


def test_settings_edit_role_rights(world, client_for):
    admin = world.users["admin"]
    role = world.users["rep_a"].role
    data = {"scope": "own"}
    for obj, actions in role.permissions.items():
        for action in actions:
            data[f"perm__{obj}__{action}"] = "on"
    data["perm__account__delete"] = "on"
    response = client_for(admin).post(reverse("web:settings_role_edit", args=[role.pk]), data)
    assert response.status_code == 302
    role.refresh_from_db()
    assert "delete" in role.permissions["account"]
