"""Orders: from an accepted quote or by hand, lines, the way of an order, the deal won."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.analytics.models import StageSpell
from guanxi.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from guanxi.core.models import Event
from guanxi.sales import catalogue, orders, quotes, services
from guanxi.sales.models import (
    OpportunityStatus,
    Order,
    OrderLine,
    OrderStatus,
    QuoteStatus,
    StageTotal,
)
from tests.sales.order_helpers import accepted_quote, draft_order

pytestmark = pytest.mark.django_db
_SKUS = itertools.count(1)

FIGURES = ("gross", "discount_total", "net_total", "tax_total", "total", "discount_percent")
LINE_FIGURES = (
    "product_id",
    "description",
    "quantity",
    "unit_price",
    "price_source",
    "discount_percent",
    "tax_rate",
    "gross",
    "promotion_discount",
    "promotions",
    "manual_discount",
    "net",
    "tax",
    "total",
)


def _same_money(quote, order) -> None:
    """The order reconciles with the quote to the cent, line by line and in total."""
    for name in FIGURES:
        assert getattr(order, name) == getattr(quote, name), name
    q_lines = list(quote.lines.order_by("position", "id"))
    o_lines = list(OrderLine.objects.filter(order=order).order_by("position", "id"))
    assert len(o_lines) == len(q_lines)
    for ql, ol in zip(q_lines, o_lines, strict=True):
        for name in LINE_FIGURES:
            assert getattr(ol, name) == getattr(ql, name), name
    assert sum((line.total for line in o_lines), Decimal("0")) == order.total
    assert sum((line.net for line in o_lines), Decimal("0")) == order.net_total


def test_an_accepted_quote_becomes_one_order_copied_exactly(world, cat):
    rep = world.users["rep_a"]
    quote = accepted_quote(world, cat)
    order = orders.order_from_quote(actor=rep, quote=quote)
    year = timezone.localdate().year
    assert order.number == f"SO-{year}-00001"
    assert (order.quote_id, order.opportunity_id, order.account_id) == (
        quote.pk,
        quote.opportunity_id,
        quote.account_id,
    )
    assert order.status == OrderStatus.DRAFT and order.owner == rep
    assert order.total > 0
    _same_money(quote, order)
    event = Event.objects.get(verb="order.created", object_id=order.pk)
    assert event.data["quote"] == quote.pk and event.account_id == quote.account_id
    assert event.data["amount"] == str(order.total)
    with pytest.raises(InvalidTransition) as exc:
        orders.order_from_quote(actor=rep, quote=quote)
    assert order.number in str(exc.value.message)
    assert Order.objects.filter(quote=quote).count() == 1
    assert orders.order_for_quote(rep, quote) == order


def test_only_an_accepted_quote_becomes_an_order(world, cat):
    rep = world.users["rep_a"]
    quote = quotes.quote_create(actor=rep, opportunity=world.records["rep_a"].opportunity)
    quotes.quote_line_add(actor=rep, quote=quote, product=cat.tea, quantity="1")
    for step in (None, quotes.quote_submit, quotes.quote_mark_sent):
        if step is not None:
            quote = step(actor=rep, quote=quote)
        with pytest.raises(InvalidTransition):
            orders.order_from_quote(actor=rep, quote=quote)
    quote = quotes.quote_reject(actor=rep, quote=quote, reason="too dear")
    with pytest.raises(InvalidTransition):
        orders.order_from_quote(actor=rep, quote=quote)
    assert not Order.objects.exists()


def test_a_quote_someone_cannot_see_or_order_is_refused(world, cat):
    quote = accepted_quote(world, cat)
    with pytest.raises(NotFound):
        orders.order_from_quote(actor=world.users["rep_b"], quote=quote)
    with pytest.raises(NotFound):
        orders.order_from_quote(actor=world.users["stranger"], quote=quote)
    # a manager above the rep makes it; it stays the rep's order
    order = orders.order_from_quote(actor=world.users["east_manager"], quote=quote)
    assert order.owner == world.users["rep_a"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["rice", "tea", "nuts"]),
            st.decimals(min_value="0.01", max_value="99.99", places=2),
            st.one_of(st.none(), st.decimals(min_value="0", max_value="12", places=2)),
        ),
        min_size=1,
        max_size=5,
    ),
    discount=st.decimals(min_value="0", max_value="3", places=2),
    price=st.decimals(min_value="0", max_value="1999.99", places=2),
)
def test_quote_to_order_money_reconciles_to_the_cent(world, cat, lines, discount, price):
    """Whatever the quantities, prices, promotions and discounts, the order made from a quote
    carries the quote's figures to the cent, and working the order out again changes
    nothing (it is priced as the quote was)."""
    admin, rep = world.users["admin"], world.users["rep_a"]
    nuts = catalogue.product_create(
        actor=admin,
        data={
            "sku": f"NUT-{next(_SKUS)}",
            "name": "腰果 500g",
            "category": "粮油",
            "list_price": price,
            "tax_rate": "13",
        },
    )
    products = {"rice": cat.rice, "tea": cat.tea, "nuts": nuts}
    quote = quotes.quote_create(
        actor=rep,
        opportunity=world.records["rep_a"].opportunity,
        data={"discount_percent": discount},
    )
    for name, quantity, percent in lines:
        quotes.quote_line_add(
            actor=rep,
            quote=quote,
            product=products[name],
            quantity=quantity,
            discount_percent=percent,
        )
    quote = quotes.quote_submit(actor=rep, quote=quote)
    if quote.status != QuoteStatus.APPROVED:  # above the approval rules: not this test's point
        return
    quote = quotes.quote_accept(actor=rep, quote=quotes.quote_mark_sent(actor=rep, quote=quote))
    order = orders.order_from_quote(actor=rep, quote=quote)
    _same_money(quote, order)
    before = list(OrderLine.objects.filter(order=order).values_list("total", flat=True))
    locked = Order.objects.get(pk=order.pk)
    totals = orders.recalculate(locked)
    assert totals.total == order.total
    assert list(OrderLine.objects.filter(order=order).values_list("total", flat=True)) == before


def test_a_manual_order_for_a_deal_or_an_account(world, cat):
    rep = world.users["rep_a"]
    deal, account = world.records["rep_a"].opportunity, world.records["rep_a"].account
    order = orders.order_create(actor=rep, data={"opportunity": deal.pk})
    assert (order.account_id, order.opportunity_id, order.quote_id) == (account.pk, deal.pk, None)
    assert order.order_date == timezone.localdate() and order.currency == deal.currency
    alone = orders.order_create(
        actor=rep, data={"account": account.pk, "currency": "USD", "notes": " 加急 "}
    )
    assert alone.opportunity_id is None and alone.currency == "USD" and alone.notes == "加急"
    assert alone.number.endswith("-00002")
    orders.order_line_add(actor=rep, order=order, product=cat.rice, quantity="10")
    orders.order_line_add(actor=rep, order=order, product=cat.tea, quantity="1")
    order.refresh_from_db()
    # 10 × 100 = 1000, tier 5 % → 950, tax 9 % = 85.50; tea 300 + 13 % = 339
    assert order.total == Decimal("950.00") + Decimal("85.50") + Decimal("339.00")
    line = OrderLine.objects.get(order=order, product=cat.rice)
    orders.order_line_update(actor=rep, order=order, line=line.pk, data={"quantity": "2"})
    order.refresh_from_db()
    assert order.total == Decimal("218.00") + Decimal("339.00")
    orders.order_line_remove(actor=rep, order=order, line=line.pk)
    order.refresh_from_db()
    assert order.total == Decimal("339.00")
    verbs = set(Event.objects.filter(object_type="order").values_list("verb", flat=True))
    assert {"order.created", "order.line_added", "order.line_changed", "order.line_removed"} <= (
        verbs
    )


def test_bad_input_is_a_field_error_and_nothing_is_written(world, cat):
    rep = world.users["rep_a"]
    other_deal = world.records["rep_b"].opportunity
    cases = [
        ({}, "account"),
        ({"opportunity": other_deal.pk}, "opportunity"),  # not visible to rep_a
        ({"account": world.records["rep_c"].account.pk}, "account"),
        (
            {
                "opportunity": world.records["rep_a"].opportunity.pk,
                "account": world.records["admin"].account.pk,
            },
            "account",
        ),
        ({"account": world.records["rep_a"].account.pk, "discount_percent": "101"}, None),
        ({"account": world.records["rep_a"].account.pk, "currency": "XXX"}, "currency"),
        (
            {
                "account": world.records["rep_a"].account.pk,
                "order_date": "2026-03-10",
                "delivery_date": "2026-03-01",
            },
            "delivery_date",
        ),
        ({"account": world.records["rep_a"].account.pk, "status": "confirmed"}, "status"),
        ({"account": world.records["rep_a"].account.pk, "total": "1"}, "total"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            orders.order_create(actor=rep, data=data)
        assert (field or "discount_percent") in exc.value.fields, data
    assert not Order.objects.exists()
    assert not Event.objects.filter(object_type="order").exists()
    order = draft_order(world, cat)
    total, version = order.total, order.version
    for bad in ("0", "-1", "abc", "1e20"):
        with pytest.raises(ValidationFailed) as exc:
            orders.order_line_add(actor=rep, order=order, product=cat.rice, quantity=bad)
        assert "quantity" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        orders.order_update(actor=rep, order=order, data={"contact": "abc"})
    assert "contact" in exc.value.fields
    order.refresh_from_db()
    assert (order.total, order.version, OrderLine.objects.filter(order=order).count()) == (
        total,
        version,
        1,
    )


def _advance(actor, order, to: str):
    if to in ("confirmed", "shipped", "completed"):
        order = orders.order_confirm(actor=actor, order=order)
    if to in ("shipped", "completed"):
        order = orders.order_ship(actor=actor, order=order)
    if to == "completed":
        order = orders.order_complete(actor=actor, order=order)
    if to == "cancelled":
        order = orders.order_cancel(actor=actor, order=order, reason="客户取消")
    return order


ACTIONS = {
    "confirm": lambda a, o: orders.order_confirm(actor=a, order=o),
    "ship": lambda a, o: orders.order_ship(actor=a, order=o),
    "complete": lambda a, o: orders.order_complete(actor=a, order=o),
    "cancel": lambda a, o: orders.order_cancel(actor=a, order=o, reason="no longer needed"),
    "edit": lambda a, o: orders.order_update(actor=a, order=o, data={"notes": "x"}),
    "add_line": lambda a, o: orders.order_line_add(actor=a, order=o, product=o._tea, quantity=1),
}
ALLOWED = {
    "draft": {"confirm", "cancel", "edit", "add_line"},
    "confirmed": {"ship", "cancel"},
    "shipped": {"complete", "cancel"},
    "completed": set(),
    "cancelled": set(),
}


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transitions_allowed_and_refused(world, cat, status, action):
    rep = world.users["rep_a"]
    order = _advance(rep, draft_order(world, cat), status)
    assert order.status == status
    order._tea = cat.tea
    before = Order.objects.get(pk=order.pk)
    if action in ALLOWED[status]:
        ACTIONS[action](rep, order)
        after = Order.objects.get(pk=order.pk)
        assert after.version > before.version
        return
    with pytest.raises(InvalidTransition):
        ACTIONS[action](rep, order)
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version, after.total) == (
        before.status,
        before.version,
        before.total,
    )


def test_each_step_is_timed_versioned_and_told(world, cat):
    rep = world.users["rep_a"]
    order = draft_order(world, cat)
    with pytest.raises(VersionConflict):
        orders.order_confirm(actor=rep, order=order, version=order.version - 1)
    order = orders.order_confirm(actor=rep, order=order, version=order.version)
    order = orders.order_ship(actor=rep, order=order, version=order.version)
    order = orders.order_complete(actor=rep, order=order, version=order.version)
    assert order.confirmed_at <= order.shipped_at <= order.completed_at
    verbs = list(
        Event.objects.filter(object_type="order", object_id=order.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs[-3:] == ["order.confirmed", "order.shipped", "order.completed"]
    shipped = Event.objects.get(verb="order.shipped", object_id=order.pk)
    assert shipped.changes == {"status": ["confirmed", "shipped"]}
    assert shipped.account_id == order.account_id


def test_confirm_needs_a_line_and_cancel_a_reason(world, cat):
    rep = world.users["rep_a"]
    order = orders.order_create(actor=rep, data={"account": world.records["rep_a"].account.pk})
    with pytest.raises(ValidationFailed):
        orders.order_confirm(actor=rep, order=order)
    with pytest.raises(ValidationFailed) as exc:
        orders.order_cancel(actor=rep, order=order, reason="  ")
    assert "reason" in exc.value.fields
    order = orders.order_cancel(actor=rep, order=order, reason="重复下单")
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "重复下单"
    assert order.cancelled_at is not None
    event = Event.objects.get(verb="order.cancelled", object_id=order.pk)
    assert event.data["reason"] == "重复下单"


def test_an_order_with_payments_is_not_cancelled(world, cat):
    rep = world.users["rep_a"]
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    Order.objects.filter(pk=order.pk).update(paid_total=Decimal("10.00"))
    with pytest.raises(InvalidTransition):
        orders.order_cancel(actor=rep, order=order, reason="x")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_confirming_wins_the_deal_exactly_once(world, cat):
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    first = draft_order(world, cat)
    second = draft_order(world, cat, quantity="1")
    orders.order_confirm(actor=rep, order=first)
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.WON and deal.closed_at is not None
    assert deal.stage.kind == "won"
    won = Event.objects.filter(verb="opportunity.won", object_id=deal.pk)
    assert won.count() == 1
    confirmed = Event.objects.get(verb="order.confirmed", object_id=first.pk)
    assert confirmed.data["deal_won"] == deal.pk
    # the board's totals and the stage history follow the deal services
    assert StageTotal.objects.get(stage=deal.stage, owner=rep).deals == 1
    assert StageSpell.objects.filter(
        opportunity_id=deal.pk, left_at__isnull=True
    ).get().stage_id == (deal.stage_id)
    orders.order_confirm(actor=rep, order=second)
    assert won.count() == 1
    assert "deal_won" not in Event.objects.get(verb="order.confirmed", object_id=second.pk).data
    # cancelling a confirmed order does not reopen the deal, and says so
    orders.order_cancel(actor=rep, order=first, reason="客户改单")
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.WON
    cancelled = Event.objects.get(verb="order.cancelled", object_id=first.pk)
    assert cancelled.data["deal_stays_won"] == deal.pk


def test_a_lost_deal_stays_lost_and_an_order_without_a_deal_wins_nothing(world, cat):
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    lost = deal.pipeline.stages.get(kind="lost")
    services.opportunity_move(actor=rep, opportunity=deal, stage=lost, lost_reason="price")
    orders.order_confirm(actor=rep, order=draft_order(world, cat))
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.LOST
    alone = orders.order_create(actor=rep, data={"account": world.records["rep_a"].account.pk})
    orders.order_line_add(actor=rep, order=alone, product=cat.tea, quantity="1")
    orders.order_confirm(actor=rep, order=alone)
    assert not Event.objects.filter(verb="opportunity.won").exists()


def test_confirming_needs_the_right_to_change_the_deal(world, cat):
    """A manager hands a rep's order to another rep, who may not change the rep's deal."""
    order = draft_order(world, cat, who="rep_a")
    orders.order_assign(actor=world.users["east_manager"], order=order, owner=world.users["rep_b"])
    with pytest.raises(InvalidTransition):
        orders.order_confirm(actor=world.users["rep_b"], order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert Event.objects.filter(verb="order.assigned", object_id=order.pk).exists()


def test_scope_and_rights(world, cat):
    order = draft_order(world, cat, who="rep_a")
    for who in ("rep_a", "east_manager", "manager", "admin"):
        assert orders.order_get(world.users[who], order.pk) == order
    for who in ("rep_b", "rep_c", "stranger"):
        with pytest.raises(NotFound):
            orders.order_get(world.users[who], order.pk)
        with pytest.raises(NotFound):
            orders.order_update(actor=world.users[who], order=order, data={"notes": "x"})
    with pytest.raises(PermissionDenied):  # reps may not delete
        orders.order_delete(actor=world.users["rep_a"], order=order)
    orders.order_delete(actor=world.users["east_manager"], order=order)
    assert not Order.objects.filter(pk=order.pk).exists()
    assert Event.objects.filter(verb="order.deleted", data__number=order.number).exists()


def test_a_confirmed_order_is_not_deleted(world, cat):
    manager = world.users["manager"]
    order = orders.order_confirm(actor=world.users["rep_a"], order=draft_order(world, cat))
    with pytest.raises(InvalidTransition):
        orders.order_delete(actor=manager, order=order)


def test_the_list_filters_and_searches(world, cat):
    rep, manager = world.users["rep_a"], world.users["manager"]
    a = draft_order(world, cat, who="rep_a")
    b = orders.order_confirm(actor=world.users["rep_b"], order=draft_order(world, cat, "rep_b"))
    last_week = timezone.localdate() - timedelta(days=7)
    c = orders.order_create(
        actor=rep,
        data={"account": world.records["rep_a"].account.pk, "order_date": last_week},
    )

    def ids(actor, **kw):
        return {o.pk for o in orders.order_list(actor, **kw).items}

    assert ids(rep) == {a.pk, c.pk}
    assert ids(manager) == {a.pk, b.pk, c.pk}
    assert ids(manager, filters={"owner": "me"}) == set()
    assert ids(manager, filters={"status": "confirmed"}) == {b.pk}
    assert ids(manager, filters={"account": world.records["rep_b"].account.pk}) == {b.pk}
    assert ids(manager, filters={"date_to": str(last_week)}) == {c.pk}
    assert ids(manager, filters={"date_from": timezone.localdate()}) == {a.pk, b.pk}
    assert ids(manager, q=a.number) == {a.pk}
    assert ids(manager, q=a.number.rsplit("-", 1)[1]) == {a.pk}
    assert ids(manager, q="rep_b") == {b.pk}  # the account's name, "Account of rep_b"
    for bad in ({"status": "lost"}, {"date_from": "2026-02-30"}, {"colour": "red"}):
        with pytest.raises(ValidationFailed):
            orders.order_list(manager, filters=bad)


def test_refusals_speak_chinese(world, cat):
    rep = world.users["rep_a"]
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as exc:
        orders.order_confirm(actor=rep, order=order)
    assert "草稿" in str(exc.value.message)


@pytest.mark.django_db(transaction=True)
def test_a_quote_ordered_twice_at_once_makes_one_order(world, cat):
    """Two clicks on "Create order" at the same moment: one order, the other is refused."""
    import threading

    from django.db import connection

    rep = world.users["rep_a"]
    quote = accepted_quote(world, cat)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def order() -> None:
        try:
            barrier.wait()
            result = orders.order_from_quote(actor=rep, quote=quote).number
        except InvalidTransition:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=order) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("refused") == 3 and len(outcomes) == 4, outcomes
    assert Order.objects.filter(quote=quote).count() == 1
