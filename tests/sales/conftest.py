"""Products, a price list, a promotion and an approval rule in the shared world."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

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


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and guanxi configured to send through it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_NOTIFICATIONS = True
    mail.outbox = []
    yield inbox
    controller.stop()
