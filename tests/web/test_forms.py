"""Create and edit forms: field errors from the form and from the service, stale versions."""

from __future__ import annotations

from django.urls import reverse

from guanxi.activities.models import Activity
from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Opportunity, Pipeline, Stage


def _account_post(**overrides):
    data = {
        "name": "杭州鑫盛食品有限公司",
        "kind": "b2b",
        "lifecycle_stage": "acquisition",
        "status": "prospect",
        "country": "CN",
        "phone": "",
        "email": "",
    }
    data.update(overrides)
    return data


def test_create_account(world, client_for):
    rep = world.users["rep_a"]
    client = client_for(rep)
    response = client.post(
        reverse("customers:account_create"),
        _account_post(phone="0571 8888 6666", tags="VIP，食品", owner=str(rep.pk)),
    )
    account = Account.objects.get(name="杭州鑫盛食品有限公司")
    assert response.status_code == 302
    assert response.url == reverse("customers:account_detail", args=[account.pk])
    assert account.owner == rep
    assert account.phone == "+8657188886666"
    assert sorted(t.name for t in account.tags.all()) == ["VIP", "食品"]


def test_invalid_phone_is_shown_next_to_the_field(world, client_for):
    client = client_for(world.users["rep_a"])
    response = client.post(reverse("customers:account_create"), _account_post(phone="12"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["phone"] == ["Enter a valid phone number."]
    html = response.content.decode()
    assert 'id="id_phone-errors"' in html and 'aria-invalid="true"' in html
    assert not Account.objects.filter(name="杭州鑫盛食品有限公司").exists()


def test_invalid_email_is_shown_next_to_the_field(world, client_for):
    client = client_for(world.users["rep_a"])
    response = client.post(reverse("customers:account_create"), _account_post(email="nope@"))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert 'id="id_email-errors"' in response.content.decode()


def test_contact_with_bad_mobile_shows_service_error(world, client_for):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    response = client_for(rep).post(
        reverse("customers:contact_create"),
        {"name": "王芳", "account": account.pk, "mobile": "555", "owner": rep.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"] == ["Enter a valid phone number."]


def test_contact_of_an_invisible_account_is_refused(world, client_for):
    rep = world.users["rep_a"]
    other_account = world.records["rep_b"].account
    response = client_for(rep).post(
        reverse("customers:contact_create"),
        {"name": "王芳", "account": other_account.pk, "owner": rep.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["account"] == ["Select a record you can see."]
    assert not Contact.objects.filter(name="王芳").exists()


def test_stale_version_shows_conflict_and_changes_nothing(world, client_for):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    client = client_for(rep)
    stale = account.version
    first = client.post(
        reverse("customers:account_edit", args=[account.pk]),
        _account_post(name="First edit", version=stale),
    )
    assert first.status_code == 302
    second = client.post(
        reverse("customers:account_edit", args=[account.pk]),
        _account_post(name="Second edit", version=stale),
    )
    assert second.status_code == 200
    assert "changed by someone else" in second.content.decode()
    assert "Reload the latest version" in second.content.decode()
    account.refresh_from_db()
    assert account.name == "First edit"


def test_deal_with_stage_of_another_pipeline(world, client_for):
    admin = world.users["admin"]
    deal = world.records["admin"].opportunity
    other = Pipeline.objects.create(organisation=world.org, name="Projects")
    foreign_stage = Stage.objects.create(
        organisation=world.org, pipeline=other, name="Tender", position=0
    )
    response = client_for(admin).post(
        reverse("sales:deal_edit", args=[deal.pk]),
        {
            "name": deal.name,
            "account": deal.account_id,
            "amount": "1000",
            "currency": "CNY",
            "pipeline": deal.pipeline_id,
            "stage": foreign_stage.pk,
            "version": deal.version,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["stage"] == ["This stage belongs to another pipeline."]
    deal.refresh_from_db()
    assert deal.stage_id != foreign_stage.pk


def test_create_deal_defaults_to_first_stage(world, client_for):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    response = client_for(rep).post(
        reverse("sales:deal_create"),
        {"name": "Q3 order", "account": account.pk, "amount": "12345.5", "currency": "CNY"},
    )
    assert response.status_code == 302
    deal = Opportunity.objects.get(name="Q3 order")
    assert deal.stage.position == 0 and deal.owner == rep


def test_create_and_complete_activity(world, client_for):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    client = client_for(rep)
    response = client.post(
        reverse("activities:activity_create"),
        {
            "kind": "task",
            "subject": "Send samples",
            "account": account.pk,
            "due_at": "2026-01-05T09:30",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(subject="Send samples")
    assert activity.due_at.isoformat().startswith("2026-01-05T01:30")  # Asia/Shanghai → UTC
    response = client.post(
        reverse("activities:activity_complete", args=[activity.pk]),
        {"version": activity.version, "variant": "row", "done": "true"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'data-activity="%d"' % activity.pk in response.content
    assert "toast" in response.headers["HX-Trigger"]
    activity.refresh_from_db()
    assert activity.done


def test_complete_with_stale_version_is_a_conflict(world, client_for):
    rep = world.users["rep_a"]
    activity = world.records["rep_a"].activity
    response = client_for(rep).post(
        reverse("activities:activity_complete", args=[activity.pk]),
        {"version": activity.version + 5, "variant": "item"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    activity.refresh_from_db()
    assert not activity.done


def test_assign_and_delete(world, client_for):
    manager = world.users["manager"]
    records = world.records["manager"]
    client = client_for(manager)
    rep = world.users["rep_a"]
    response = client.post(
        reverse("customers:contact_assign", args=[records.contact.pk]),
        {"owner": rep.pk, "version": records.contact.version},
    )
    assert response.status_code == 302
    records.contact.refresh_from_db()
    assert records.contact.owner == rep
    response = client.post(
        reverse("activities:activity_delete", args=[records.activity.pk]),
        {"version": records.activity.version},
    )
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=records.activity.pk).exists()


def test_account_with_deals_cannot_be_deleted(world, client_for):
    manager = world.users["manager"]
    account = world.records["manager"].account
    response = client_for(manager).post(
        reverse("customers:account_delete", args=[account.pk]), {"version": account.version}
    )
    assert response.status_code == 200
    assert "still has deals" in response.content.decode()
    assert Account.objects.filter(pk=account.pk).exists()


def test_owner_choices_only_list_assignable_users(world, client_for):
    rep = world.users["rep_a"]
    response = client_for(rep).get(reverse("customers:account_create"))
    choices = dict(response.context["form"].fields["owner"].choices)
    assert list(choices) == [str(rep.pk)]


def test_account_choices_only_list_visible_accounts(world, client_for):
    rep = world.users["rep_a"]
    response = client_for(rep).get(reverse("customers:contact_create"))
    options = dict(response.context["form"].fields["account"].widget.choices)
    assert str(world.records["rep_a"].account.pk) in options
    assert str(world.records["rep_b"].account.pk) not in options


def test_a_group_of_checkboxes_is_a_fieldset_named_by_its_legend():
    """Each box sits in its own label; the group's name is a legend, not a label that points
    at no input."""
    from django import forms
    from django.template import engines

    class Columns(forms.Form):
        columns = forms.MultipleChoiceField(
            label="Columns", widget=forms.CheckboxSelectMultiple, choices=[("a", "A"), ("b", "B")]
        )

    template = engines["django"].from_string("{% load guanxi %}{% field form.columns %}")
    html = template.render({"form": Columns(data={})})
    assert html.startswith('<fieldset class="field field-choices has-error">')
    assert "<legend>Columns" in html and '<label for=""' not in html
    assert '<label for="id_columns_0"><input type="checkbox"' in html
    assert 'id="id_columns-errors"' in html and html.rstrip().endswith("</fieldset>")
