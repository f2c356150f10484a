"""The demo's catalogue and quotes load through the services."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from guanxi.core import approvals
from guanxi.demo import loader
from guanxi.demo.quotes import load_quotes
from guanxi.sales.models import Product, Quote, QuoteStatus

pytestmark = pytest.mark.django_db


def test_demo_quotes():
    org = loader.load(accounts=40, seed=3, now=datetime(2026, 3, 2, tzinfo=UTC)).organisation
    assert load_quotes(org) >= 3
    assert Product.objects.filter(organisation=org).count() == 6
    statuses = set(Quote.objects.filter(organisation=org).values_list("status", flat=True))
    assert QuoteStatus.PENDING in statuses and QuoteStatus.APPROVED in statuses
    pending = Quote.objects.get(organisation=org, status=QuoteStatus.PENDING)
    manager = org.users.get(username="manager")
    assert [r.object_id for r in approvals.waiting_for(manager)] == [pending.pk]
