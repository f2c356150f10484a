"""Quote arithmetic: Decimal only, rounded half up to the cent per line, totals = sum of lines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.sales import pricing
from guanxi.sales.pricing import LineInput, PromotionRule, cents, line_result, quote_totals

money = st.decimals(min_value="0", max_value="99999.99", places=2, allow_nan=False)
quantity = st.decimals(min_value="0.01", max_value="9999", places=2, allow_nan=False)
percent = st.decimals(min_value="0", max_value="100", places=2, allow_nan=False)
tax = st.sampled_from([Decimal("0"), Decimal("6"), Decimal("9"), Decimal("13")])
promotion = st.builds(
    PromotionRule,
    id=st.integers(1, 1000),
    name=st.text(min_size=1, max_size=5),
    kind=st.sampled_from(["percent", "fixed", "buy_x_get_y", "tiered"]),
    value=st.decimals(min_value="0", max_value="100", places=2),
    buy_quantity=st.integers(0, 5),
    free_quantity=st.integers(0, 3),
    tiers=st.lists(st.tuples(quantity, percent), max_size=3).map(tuple),
    stackable=st.booleans(),
    priority=st.integers(0, 5),
)
line = st.builds(
    LineInput,
    quantity=quantity,
    unit_price=money,
    tax_rate=tax,
    discount_percent=percent,
    promotions=st.lists(promotion, max_size=3).map(tuple),
)


@given(lines=st.lists(line, max_size=8), overall=percent)
def test_totals_are_the_sum_of_the_lines(lines, overall):
    totals = quote_totals(lines, overall)
    assert totals.total == sum((r.total for r in totals.lines), Decimal("0"))
    assert totals.net == sum((r.net for r in totals.lines), Decimal("0"))
    assert totals.tax == sum((r.tax for r in totals.lines), Decimal("0"))
    assert totals.total == totals.net + totals.tax
    assert totals.gross - totals.discount_total == totals.net
    for r in totals.lines:
        for amount in (r.gross, r.promotion_discount, r.manual_discount, r.net, r.tax, r.total):
            assert isinstance(amount, Decimal)
            assert amount == amount.quantize(Decimal("0.01"))  # to the cent
            assert amount >= 0  # a discount never takes a line below zero


@given(line=line, overall=percent)
def test_each_line_is_rounded_half_up_and_taxed_on_its_own(line, overall):
    r = line_result(line, overall)
    assert r.gross == (line.quantity * line.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert r.tax == (r.net * line.tax_rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert r.net <= r.gross


def test_half_a_cent_rounds_up():
    r = line_result(LineInput(Decimal("1"), Decimal("0.05"), Decimal("10")))
    assert r.tax == Decimal("0.01")  # 0.005 → 0.01, not banker's 0.00
    assert cents(Decimal("2.675")) == Decimal("2.68")


def test_float_is_refused():
    with pytest.raises(TypeError):
        cents(0.1)


def P(kind, *, id=1, stackable=False, priority=100, **kw):
    return PromotionRule(
        id=id, name=f"{kind}{id}", kind=kind, stackable=stackable, priority=priority, **kw
    )


def test_promotion_kinds():
    q, price = Decimal("10"), Decimal("100.00")
    gross = Decimal("1000.00")
    assert P("percent", value=Decimal("15")).discount(q, price, gross) == Decimal("150.00")
    assert P("fixed", value=Decimal("7.5")).discount(q, price, gross) == Decimal("75.00")
    # buy 3 get 1: of 10 units, two groups of four → 2 free
    bxgy = P("buy_x_get_y", buy_quantity=3, free_quantity=1)
    assert bxgy.discount(q, price, gross) == Decimal("200.00")
    tiers = (
        (Decimal("5"), Decimal("3")),
        (Decimal("10"), Decimal("8")),
        (Decimal("50"), Decimal("12")),
    )
    assert P("tiered", tiers=tiers).discount(q, price, gross) == Decimal("80.00")
    assert P("tiered", tiers=tiers).discount(Decimal("4"), price, Decimal("400")) == 0
    # never more than the line
    assert P("fixed", value=Decimal("500")).discount(q, price, gross) == gross


def test_exclusive_promotions_do_not_add_up_the_best_counts():
    rules = [P("percent", id=1, value=Decimal("10")), P("percent", id=2, value=Decimal("20"))]
    off, names = pricing.apply_promotions(Decimal("1"), Decimal("100"), Decimal("100"), rules)
    assert (off, names) == (Decimal("20.00"), ("percent2",))


def test_combinable_promotions_apply_one_after_the_other():
    rules = [
        P("percent", id=1, value=Decimal("10"), stackable=True, priority=1),
        P("fixed", id=2, value=Decimal("5"), stackable=True, priority=2),
    ]
    off, names = pricing.apply_promotions(Decimal("2"), Decimal("100"), Decimal("200"), rules)
    assert off == Decimal("30.00")  # 10 % of 200, then 5 × 2 units
    assert names == ("percent1", "fixed2")


def test_the_better_of_exclusive_and_combined_wins():
    combined = [
        P("percent", id=1, value=Decimal("10"), stackable=True),
        P("percent", id=2, value=Decimal("10"), stackable=True),
    ]
    exclusive = P("percent", id=3, value=Decimal("18"))
    off, names = pricing.apply_promotions(
        Decimal("1"), Decimal("100"), Decimal("100"), [*combined, exclusive]
    )
    assert off == Decimal("19.00") and names == ("percent1", "percent2")  # 10, then 9
    exclusive = P("percent", id=3, value=Decimal("19"))
    off, names = pricing.apply_promotions(
        Decimal("1"), Decimal("100"), Decimal("100"), [*combined, exclusive]
    )
    assert names == ("percent3",)  # a tie goes to the exclusive one


def test_manual_discounts_follow_promotions_then_the_quote_discount():
    line = LineInput(
        Decimal("3"),
        Decimal("33.33"),
        Decimal("13"),
        discount_percent=Decimal("10"),
        promotions=(P("percent", value=Decimal("5")),),
    )
    r = line_result(line, Decimal("2"))
    assert r.gross == Decimal("99.99")
    assert r.promotion_discount == Decimal("5.00")  # 4.9995 → 5.00
    # own 10 % of 94.99 = 9.50; quote 2 % of 85.49 = 1.71
    assert r.manual_discount == Decimal("11.21")
    assert r.net == Decimal("83.78")
    assert r.tax == Decimal("10.89")
    assert r.total == Decimal("94.67")


def test_price_lists_most_specific_then_cheapest():
    from datetime import date

    c = pricing.PriceCandidate
    cands = [
        c(1, "All", Decimal("100"), "CNY"),
        c(2, "East", Decimal("95"), "CNY", region="east"),
        c(3, "East A", Decimal("97"), "CNY", region="east", grade="A"),
        c(4, "Old", Decimal("50"), "CNY", valid_until=date(2020, 1, 1)),
    ]
    day = date(2026, 6, 1)
    assert (
        pricing.best_price(cands, channel="direct", region="east", grade="A", day=day).list_id == 3
    )
    assert (
        pricing.best_price(cands, channel="direct", region="east", grade="B", day=day).list_id == 2
    )
    assert (
        pricing.best_price(cands, channel="direct", region="north", grade="", day=day).list_id == 1
    )


def test_conversion_through_the_organisation_currency():
    rates = {"USD": Decimal("7.1"), "EUR": Decimal("7.8")}
    assert pricing.convert(Decimal("10"), "USD", "CNY", rates, "CNY") == Decimal("71.00")
    assert pricing.convert(Decimal("71"), "CNY", "USD", rates, "CNY") == Decimal("10.00")
    assert pricing.convert(Decimal("10"), "EUR", "USD", rates, "CNY") == Decimal("10.99")
    with pytest.raises(pricing.MissingRate):
        pricing.convert(Decimal("1"), "GBP", "CNY", rates, "CNY")


def test_largest_line_discount():
    lines = [
        LineInput(Decimal("1"), Decimal("100"), Decimal("0"), discount_percent=Decimal("30")),
        LineInput(Decimal("9"), Decimal("100"), Decimal("0")),
    ]
    totals = quote_totals(lines)
    assert totals.manual_discount_percent == Decimal("3.00")
    assert totals.largest_line_discount_percent == Decimal("30.00")
