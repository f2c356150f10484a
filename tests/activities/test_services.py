from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.activities.selectors import account_last_contact, my_agenda
from guanxi.activities.services import activity_complete, activity_create
from guanxi.core.models import Event
from guanxi.customers.services import account_create

pytestmark = pytest.mark.django_db


def test_agenda_completion_and_last_contact(rep):
    account = account_create(actor=rep, data={"name": "Shop"})
    soon = activity_create(
        actor=rep,
        data={
            "subject": "Call back",
            "kind": "task",
            "account": account,
            "due_at": timezone.now() + timedelta(days=1),
        },
    )
    activity_create(
        actor=rep,
        data={"subject": "Later", "kind": "task", "due_at": timezone.now() + timedelta(days=30)},
    )
    assert [a.subject for a in my_agenda(rep)] == ["Call back"]
    assert account_last_contact(rep, account) is None
    visit = activity_create(
        actor=rep, data={"subject": "Shelf check", "kind": "visit", "account": account}
    )
    activity_complete(actor=rep, activity=visit)
    assert account_last_contact(rep, account) is not None
    activity_complete(actor=rep, activity=soon)
    assert my_agenda(rep) == []
    assert Event.objects.filter(verb="activity.completed", account_id=account.pk).count() == 2
