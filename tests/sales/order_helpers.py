"""Accepted quotes and orders for the order and contract tests, made through the services."""

from __future__ import annotations

from guanxi.sales import orders, quotes

# (product attribute of the catalogue fixture, quantity, line discount %)
LINES = (("rice", "12", None), ("tea", "2", "10"))


def accepted_quote(world, cat, who: str = "rep_a", lines=LINES, discount: str = "5"):
    """A quote of ``who``'s deal, approved at once, handed over and accepted."""
    rep = world.users[who]
    quote = quotes.quote_create(
        actor=rep, opportunity=world.records[who].opportunity, data={"discount_percent": discount}
    )
    for product, quantity, percent in lines:
        quotes.quote_line_add(
            actor=rep,
            quote=quote,
            product=getattr(cat, product),
            quantity=quantity,
            discount_percent=percent,
        )
    quote = quotes.quote_submit(actor=rep, quote=quote)
    quote = quotes.quote_mark_sent(actor=rep, quote=quote)
    return quotes.quote_accept(actor=rep, quote=quote)


def draft_order(world, cat, who: str = "rep_a", quantity: str = "3"):
    """A manual draft order for ``who``'s deal with one line of tea."""
    rep = world.users[who]
    order = orders.order_create(actor=rep, data={"opportunity": world.records[who].opportunity.pk})
    orders.order_line_add(actor=rep, order=order, product=cat.tea, quantity=quantity)
    return orders.order_get(rep, order.pk)
