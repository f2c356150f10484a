"""Quote arithmetic: prices, promotions, discounts, tax and totals — Decimal only, no database.

Rules (the user guide repeats them):

- Every amount is rounded to the cent, half up (ROUND_HALF_UP), at the step that produces it:
  a line's gross (quantity × unit price), each promotion, each discount and each line's tax.
  The quote's figures are plain sums of its lines' rounded figures, so the total on a quote
  is always the sum of its lines.
- Promotions on a line, in this order:
  * an exclusive promotion (not "combines with other promotions") is worked out on the
    line's gross; of several, the largest one counts;
  * combinable promotions apply one after the other (by priority, then age), each on what
    the previous ones left;
  * the line gets the better for the customer of the two: the best exclusive promotion
    alone, or all combinable ones together (a tie goes to the exclusive one).
  Promotion kinds: a percentage off; a fixed amount off each unit; buy X get Y free (of each
  X + Y units, Y are free); quantity breaks (the highest break reached gives its percentage).
  A promotion never takes a line below zero.
- Then the line's own discount (a percentage of what the promotions left), then the quote's
  discount (a percentage of what is left after that), both rounded per line.
- Tax is the line's tax rate on the line's net amount, rounded per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

PERCENT = "percent"
FIXED = "fixed"
BUY_X_GET_Y = "buy_x_get_y"
TIERED = "tiered"


def cents(value: Decimal) -> Decimal:
    """Round to the cent, half up."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return cents(amount * percent / HUNDRED)


@dataclass(frozen=True)
class PromotionRule:
    """What the arithmetic needs of a promotion (``sales.models.Promotion``)."""

    id: int
    name: str
    kind: str
    value: Decimal = ZERO
    buy_quantity: int = 0
    free_quantity: int = 0
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()  # (minimum quantity, percent)
    stackable: bool = False
    priority: int = 100

    def discount(self, quantity: Decimal, unit_price: Decimal, base: Decimal) -> Decimal:
        """The discount on a line of ``quantity`` × ``unit_price`` of which ``base`` is left."""
        if self.kind == PERCENT:
            off = percent_of(base, self.value)
        elif self.kind == FIXED:
            off = cents(self.value * quantity)
        elif self.kind == BUY_X_GET_Y:
            group = self.buy_quantity + self.free_quantity
            if self.buy_quantity < 1 or self.free_quantity < 1:
                return ZERO
            free_units = (quantity // group) * self.free_quantity
            off = cents(free_units * unit_price)
        elif self.kind == TIERED:
            reached = [pct for minimum, pct in self.tiers if quantity >= minimum]
            off = percent_of(base, max(reached)) if reached else ZERO
        else:
            return ZERO
        return min(max(off, ZERO), base)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount_percent: Decimal = ZERO
    promotions: tuple[PromotionRule, ...] = ()


@dataclass(frozen=True)
class LineResult:
    gross: Decimal
    promotion_discount: Decimal
    promotions: tuple[str, ...]
    manual_discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    gross: Decimal = ZERO
    promotion_discount: Decimal = ZERO
    manual_discount: Decimal = ZERO
    net: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    lines: tuple[LineResult, ...] = field(default=())

    @property
    def discount_total(self) -> Decimal:
        return self.promotion_discount + self.manual_discount

    @property
    def manual_discount_percent(self) -> Decimal:
        """Hand-given discounts as a share of the price after promotions (approval rules)."""
        base = self.gross - self.promotion_discount
        if base <= ZERO:
            return ZERO
        return cents(self.manual_discount * HUNDRED / base)

    @property
    def largest_line_discount_percent(self) -> Decimal:
        """The largest hand-given discount on one line, as a share of its promoted price."""
        shares = [
            cents(r.manual_discount * HUNDRED / (r.gross - r.promotion_discount))
            for r in self.lines
            if r.gross - r.promotion_discount > ZERO
        ]
        return max(shares, default=ZERO)


def apply_promotions(
    quantity: Decimal, unit_price: Decimal, gross: Decimal, rules: Iterable[PromotionRule]
) -> tuple[Decimal, tuple[str, ...]]:
    """The promotions' discount on one line and the names of those that count."""
    rules = list(rules)
    best_exclusive, best_name = ZERO, ()
    for rule in rules:
        if not rule.stackable:
            off = rule.discount(quantity, unit_price, gross)
            if off > best_exclusive:
                best_exclusive, best_name = off, (rule.name,)
    stacked, left, names = ZERO, gross, []
    for rule in sorted((r for r in rules if r.stackable), key=lambda r: (r.priority, r.id)):
        off = rule.discount(quantity, unit_price, left)
        if off > ZERO:
            stacked += off
            left -= off
            names.append(rule.name)
    if stacked > best_exclusive:
        return stacked, tuple(names)
    return best_exclusive, best_name


def line_result(line: LineInput, quote_discount_percent: Decimal = ZERO) -> LineResult:
    gross = cents(line.quantity * line.unit_price)
    promo, names = apply_promotions(line.quantity, line.unit_price, gross, line.promotions)
    after_promo = gross - promo
    own = percent_of(after_promo, line.discount_percent)
    overall = percent_of(after_promo - own, quote_discount_percent)
    net = after_promo - own - overall
    tax = percent_of(net, line.tax_rate)
    return LineResult(
        gross=gross,
        promotion_discount=promo,
        promotions=names,
        manual_discount=own + overall,
        net=net,
        tax=tax,
        total=net + tax,
    )


def quote_totals(lines: Sequence[LineInput], discount_percent: Decimal = ZERO) -> Totals:
    results = tuple(line_result(line, discount_percent) for line in lines)
    return Totals(
        gross=sum((r.gross for r in results), ZERO),
        promotion_discount=sum((r.promotion_discount for r in results), ZERO),
        manual_discount=sum((r.manual_discount for r in results), ZERO),
        net=sum((r.net for r in results), ZERO),
        tax=sum((r.tax for r in results), ZERO),
        total=sum((r.total for r in results), ZERO),
        lines=results,
    )


# --- Prices and currencies -------------------------------------------------------------------


@dataclass(frozen=True)
class PriceCandidate:
    """A product's price on one price list and what the list is for (blank: anyone)."""

    list_id: int
    list_name: str
    unit_price: Decimal
    currency: str
    channel: str = ""
    region: str = ""
    grade: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


def valid_on(valid_from: date | None, valid_until: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)


def applies_to(candidate: PriceCandidate, *, channel: str, region: str, grade: str) -> int | None:
    """How specific a list is for this customer (criteria it names and meets), None: not."""
    score = 0
    for wanted, have in ((candidate.channel, channel), (candidate.region, region)):
        if wanted:
            if wanted != have:
                return None
            score += 1
    if candidate.grade:
        if candidate.grade != grade:
            return None
        score += 1
    return score


def best_price(
    candidates: Iterable[PriceCandidate], *, channel: str, region: str, grade: str, day: date
) -> PriceCandidate | None:
    """The most specific valid price list for the customer; of equally specific lists, the
    lowest price. None: no list applies (the product's list price is used)."""
    best: tuple[int, Decimal] | None = None
    chosen = None
    for c in candidates:
        if not valid_on(c.valid_from, c.valid_until, day):
            continue
        score = applies_to(c, channel=channel, region=region, grade=grade)
        if score is None:
            continue
        key = (score, -c.unit_price)
        if best is None or key > best:
            best, chosen = key, c
    return chosen


class MissingRate(Exception):
    def __init__(self, currency: str):
        self.currency = currency
        super().__init__(currency)


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Decimal], base: str):
    """``amount`` in ``source`` expressed in ``target``; ``rates`` give one unit of a currency
    in the organisation's ``base`` currency. Rounded to the cent."""
    if source == target:
        return amount
    rate_of = {**rates, base: Decimal("1")}
    for code in (source, target):
        if code not in rate_of or rate_of[code] <= ZERO:
            raise MissingRate(code)
    return cents(amount * rate_of[source] / rate_of[target])
