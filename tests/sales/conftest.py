"""Products, a price list, a promotion and an approval rule in the shared world."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from guanxi.core import approvals
from guanxi.sales import catalogue


@dataclass
class Catalogue:
    rice: object
    tea: object
    price_list: object
    promotion: object


def make_catalogue(admin) -> Catalogue:
    rice = catalogue.product_create(
        actor=admin,
        data={
            "sku": "RICE-5",
            "name": "五常有机大米 5kg",
            "category": "粮油",
            "unit": "袋",
            "list_price": "100.00",
            "tax_rate": "9",
        },
    )
    tea = catalogue.product_create(
        actor=admin,
        data={
            "sku": "TEA-1",
            "name": "Longjing green tea",
            "category": "茶叶",
            "unit": "box",
            "list_price": "300.00",
            "tax_rate": "13",
        },
    )
    pl = catalogue.price_list_create(
        actor=admin, data={"name": "East China", "region": "east", "currency": "CNY"}
    )
    catalogue.price_set(actor=admin, price_list=pl, product=rice, unit_price="90.00")
    promo = catalogue.promotion_create(
        actor=admin,
        data={"name": "大米满10袋95折", "kind": "tiered", "tiers": "10:5", "category": "粮油"},
    )
    approvals.rule_save(
        actor=admin,
        data={
            "name": "Discount above 15 %",
            "object_type": "quote",
            "field": "discount_percent",
            "threshold": "15",
            "approver_kind": "team_manager",
        },
    )
    approvals.rule_save(
        actor=admin,
        data={
            "name": "Total above ¥500,000",
            "object_type": "quote",
            "field": "total",
            "threshold": "500000",
            "approver_kind": "team_manager",
            "position": 1,
        },
    )
    return Catalogue(rice, tea, pl, promo)


@pytest.fixture
def cat(world) -> Catalogue:
    return make_catalogue(world.users["admin"])
