"""Shared fixtures: organisations, users in every role, and records owned by each of them."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import pytest
from django.test import Client

from guanxi.activities.services import activity_create
from guanxi.core.models import Organisation, User
from guanxi.core.services import organisation_create, team_create, token_create, user_create
from guanxi.customers.services import account_create, contact_create
from guanxi.sales.services import opportunity_create

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fresh_lead_configuration():
    """Each test starts without a held lead configuration or bearer token: organisation
    and user ids come round again once a test's transaction is rolled back."""
    from guanxi.core import services
    from guanxi.leads import routing

    for held in (routing._configs, routing._workers_held, routing._held, services._tokens_held):
        held.clear()
    yield
    for held in (routing._configs, routing._workers_held, routing._held, services._tokens_held):
        held.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test ends in the default language: an API call with a token activates its user's
    language for the thread, which would otherwise carry over into the next test."""
    yield
    from django.utils import translation

    translation.deactivate()


_seq = itertools.count(1)


def make_org(name: str = "") -> Organisation:
    n = next(_seq)
    return organisation_create(name=name or f"Org {n}", slug=f"org-{n}", language="en")


def make_user(org: Organisation, role: str = "sales_rep", team=None, username: str = "") -> User:
    return user_create(
        actor=None,
        organisation=org,
        username=username or f"user{next(_seq)}",
        password=PASSWORD,
        role_code=role,
        team=team,
        language="en",
    )


@dataclass
class Records:
    account: object
    contact: object
    opportunity: object
    activity: object


def make_records(owner: User, label: str = "") -> Records:
    label = label or owner.username
    account = account_create(actor=owner, data={"name": f"Account of {label}"})
    contact = contact_create(actor=owner, data={"name": f"Contact of {label}", "account": account})
    opp = opportunity_create(
        actor=owner, data={"name": f"Deal of {label}", "account": account, "amount": "1000"}
    )
    activity = activity_create(
        actor=owner, data={"subject": f"Call of {label}", "kind": "call", "account": account}
    )
    return Records(account, contact, opp, activity)


@dataclass
class World:
    """Org A: Sales team with sub-teams East and North; org B: a stranger organisation.

    admin (org scope), manager (team scope over Sales and below), east_manager (team scope
    over East only), rep_a and rep_b (East, own scope), rep_c (North). Each person owns one
    account, contact, deal and activity; so does org B's admin.
    """

    org: Organisation
    other_org: Organisation
    users: dict[str, User] = field(default_factory=dict)
    records: dict[str, Records] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    org = make_org("Xinwei Foods")
    other = make_org("Other Co")
    sales = team_create(actor=None, organisation=org, name="Sales")
    east = team_create(actor=None, organisation=org, name="East", parent=sales)
    north = team_create(actor=None, organisation=org, name="North", parent=sales)
    w = World(org=org, other_org=other)
    w.users["admin"] = make_user(org, "admin", sales, "admin")
    w.users["manager"] = make_user(org, "sales_manager", sales, "manager")
    w.users["east_manager"] = make_user(org, "sales_manager", east, "east_manager")
    w.users["rep_a"] = make_user(org, "sales_rep", east, "rep_a")
    w.users["rep_b"] = make_user(org, "sales_rep", east, "rep_b")
    w.users["rep_c"] = make_user(org, "sales_rep", north, "rep_c")
    w.users["stranger"] = make_user(other, "admin", None, "stranger")
    for name in ("admin", "manager", "rep_a", "rep_b", "rep_c", "stranger"):
        w.records[name] = make_records(w.users[name])
    return w


@pytest.fixture
def org(db) -> Organisation:
    return make_org()


@pytest.fixture
def admin(org) -> User:
    return make_user(org, "admin", username="boss")


@pytest.fixture
def rep(org) -> User:
    return make_user(org, "sales_rep", username="rep")


class ApiClient:
    """Calls /api/v1 as a user with a bearer token; JSON in, (status, JSON, response) out."""

    def __init__(self, user: User):
        _, self.token = token_create(actor=user, user=user, name="tests")
        self.client = Client()
        self.user = user

    def call(self, method: str, path: str, body=None, headers=None, **params):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        for name, value in (headers or {}).items():
            kwargs["HTTP_" + name.upper().replace("-", "_")] = value
        url = "/api/v1" + path
        fn = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = fn(url, params, **kwargs)
        else:
            response = fn(
                url,
                data=json.dumps(body) if body is not None else None,
                content_type="application/json",
                **kwargs,
            )
        data = json.loads(response.content) if response.content else None
        return response.status_code, data, response

    def get(self, path, **params):
        return self.call("GET", path, **params)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api():
    return ApiClient


class Inbox:
    """What a real SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and guanxi configured to send through it."""
    import socket

    from aiosmtpd.controller import Controller
    from django.core import mail

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
    settings.PUBLIC_URL = "https://crm.example.cn"
    mail.outbox = []
    yield inbox
    controller.stop()
