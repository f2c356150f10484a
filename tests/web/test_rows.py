"""List rows built in Python give exactly the markup of the templates they replaced."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from guanxi.activities.templatetags.activity_rows import ROW_FIELDS as ACTIVITY_ROW_FIELDS
from guanxi.customers.selectors import contact_list
from guanxi.customers.services import account_create, contact_create
from guanxi.customers.templatetags.customer_rows import CONTACT_ROW_FIELDS
from guanxi.sales.selectors import opportunity_list
from guanxi.sales.services import opportunity_create
from guanxi.sales.templatetags.deal_rows import ROW_FIELDS as DEAL_ROW_FIELDS

# The row templates as they were, before the rows were built in Python.
CONTACT_ROWS = """{% load i18n guanxi %}{% for c in items %}<tr>
  <td class="cell-main"><a href="{% url 'customers:contact_detail' c.pk %}">{{ c.name }}</a></td>
  <td>{{ c.title }}</td>
  <td>{% if c.account %}<a href="{% url 'customers:account_detail' c.account_id %}">{{ c.account.name }}</a>{% endif %}</td>
  <td class="nowrap">{{ c.mobile|phone }}</td>
  <td>{{ c.email }}</td>
  <td>{% for t in c.tags.all %}<span class="tag">{{ t.name }}</span>{% endfor %}</td>
  <td class="nowrap">{{ c.owner.display_name }}</td>
  <td class="nowrap muted"><time datetime="{{ c.updated_at|date:'c' }}">{{ c.updated_at|date:"SHORT_DATE_FORMAT" }}</time></td>
</tr>{% endfor %}{% include "web/components/more.html" with colspan=8 %}
"""  # noqa: E501
DEAL_ROWS = """{% load i18n guanxi %}{% for d in items %}<tr>
  <td class="cell-main"><a href="{% url 'sales:deal_detail' d.pk %}">{{ d.name }}</a></td>
  <td><a href="{% url 'customers:account_detail' d.account_id %}">{{ d.account.name }}</a></td>
  <td class="num nowrap">{% money d.amount d.currency %}</td>
  <td class="nowrap">{{ d.stage.name }}</td>
  <td>{% badge d|display:"status" d.status|tone:"deal_status" %}</td>
  <td class="nowrap">{{ d.expected_close|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
  <td class="nowrap">{{ d.owner.display_name }}</td>
  <td class="nowrap muted"><time datetime="{{ d.updated_at|date:'c' }}">{{ d.updated_at|date:"SHORT_DATE_FORMAT" }}</time></td>
</tr>{% endfor %}{% include "web/components/more.html" with colspan=8 %}
"""  # noqa: E501
EVIL = '<script>alert("x")</script> & Co'


@pytest.fixture
def rows_data(world):
    rep = world.users["rep_a"]
    account = account_create(actor=rep, data={"name": EVIL, "tags": ["<b>", "VIP"]})
    contact_create(
        actor=rep,
        data={
            "name": EVIL,
            "title": "经理 & <i>",
            "account": account,
            "mobile": "13812345678",
            "email": "a@b.example",
            "tags": ["<b>"],
        },
    )
    contact_create(actor=rep, data={"name": "无账户联系人"})
    opportunity_create(
        actor=rep,
        data={
            "name": EVIL,
            "account": account,
            "amount": "1234567.5",
            "currency": "USD",
            "expected_close": date(2026, 12, 31),
        },
    )
    opportunity_create(actor=rep, data={"name": "日元", "account": account, "currency": "JPY"})
    return rep


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("selector", "old", "new"),
    [
        (contact_list, CONTACT_ROWS, "customers/_contact_rows.html"),
        (opportunity_list, DEAL_ROWS, "sales/_deal_rows.html"),
    ],
)
def test_rows_are_the_markup_of_the_old_templates(rows_data, selector, old, new, language):
    rep = rows_data
    request = RequestFactory().get("/")
    request.user = rep
    page = selector(rep, limit=50)
    assert len(page.items) >= 2
    context = {"items": page.items, "next_url": "/next?cursor=x&q=<a>"}
    # The list pages read only the rows' fields: the same markup, no query per row.
    fields = CONTACT_ROW_FIELDS if selector is contact_list else DEAL_ROW_FIELDS
    narrow = selector(rep, limit=50, fields=fields).items
    engine = engines["django"]
    with translation.override(language), timezone.override("Asia/Shanghai"):
        want = engine.from_string(old).render(context, request)
        with CaptureQueriesContext(connection) as queries:
            got = engine.get_template(new).render({**context, "items": narrow}, request)
    assert got == want and len(queries) == 0, [q["sql"] for q in queries]
    assert "<script>" not in got


# The activity templates as they were (the list's rows, each row, the "done" button).
ACTIVITY_BUTTON = """{% load i18n %}{% if can.activity.update %}<form method="post" action="{% url 'activities:activity_complete' a.pk %}" class="inline-form" hx-post="{% url 'activities:activity_complete' a.pk %}" hx-target="closest [data-activity]" hx-swap="outerHTML">
  {% csrf_token %}<input type="hidden" name="version" value="{{ a.version }}"><input type="hidden" name="variant" value="{{ variant }}"><input type="hidden" name="next" value="{{ request.get_full_path }}">
  {% if a.done %}<input type="hidden" name="done" value="false"><button type="submit" class="check is-done" aria-label="{% blocktranslate with subject=a.subject %}Open “{{ subject }}” again{% endblocktranslate %}" title="{% translate 'Open again' %}"><span aria-hidden="true">✓</span></button>
  {% else %}<input type="hidden" name="done" value="true"><button type="submit" class="check" aria-label="{% blocktranslate with subject=a.subject %}Mark “{{ subject }}” as done{% endblocktranslate %}" title="{% translate 'Mark as done' %}"><span aria-hidden="true">✓</span></button>{% endif %}
</form>{% elif a.done %}<span class="check is-done" aria-label="{% translate 'Done' %}">✓</span>{% endif %}
"""  # noqa: E501
ACTIVITY_ROW = """{% load i18n guanxi %}<tr data-activity="{{ a.pk }}" class="{% if a.done %}is-done{% elif a|overdue %}is-overdue{% endif %}">
  <td class="cell-check">{% include button with variant="row" %}</td>
  <td class="cell-main"><a href="{% url 'activities:activity_detail' a.pk %}">{{ a.subject }}</a></td>
  <td>{% badge a.get_kind_display "neutral" %}</td>
  <td class="nowrap">{% if a.due_at %}<time datetime="{{ a.due_at|date:'c' }}">{{ a.due_at|date:"SHORT_DATETIME_FORMAT" }}</time>{% if a|overdue %} {% translate "Overdue" as l %}{% badge l "danger" %}{% endif %}{% else %}—{% endif %}</td>
  <td>{% if a.account %}<a href="{% url 'customers:account_detail' a.account_id %}">{{ a.account.name }}</a>{% endif %}</td>
  <td>{% if a.contact %}<a href="{% url 'customers:contact_detail' a.contact_id %}">{{ a.contact.name }}</a>{% endif %}</td>
  <td class="nowrap">{{ a.owner.display_name }}</td>
  <td class="nowrap muted"><time datetime="{{ a.updated_at|date:'c' }}">{{ a.updated_at|date:"SHORT_DATE_FORMAT" }}</time></td>
</tr>
"""  # noqa: E501
ACTIVITY_ROWS = """{% for a in items %}{% include row %}{% endfor %}{% include "web/components/more.html" with colspan=8 %}
"""  # noqa: E501


@pytest.fixture
def activities(world):
    from datetime import timedelta

    from django.utils import timezone

    from guanxi.activities.services import activity_create

    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    contact = world.records["rep_a"].contact
    now = timezone.now()
    for i, (done, due) in enumerate(
        [
            (False, now - timedelta(days=2)),
            (False, now + timedelta(days=3)),
            (True, now),
            (True, None),
            (False, None),
        ]
    ):
        activity_create(
            actor=rep,
            data={
                "subject": f"{EVIL} {i}",
                "kind": ["call", "task", "meeting", "note", "email"][i],
                "done": done,
                "due_at": due,
                "account": account if i % 2 == 0 else None,
                "contact": contact if i < 3 else None,
            },
        )
    return rep


def _same_but_csrf(text: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", text)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("can_update", [True, False])
def test_activity_rows_and_buttons_are_the_markup_of_the_old_templates(
    activities, client_for, language, can_update
):
    from django.template import RequestContext

    from guanxi.activities.selectors import activity_list
    from guanxi.web.context_processors import navigation

    rep = activities
    request = RequestFactory().get("/activities/?owner=me&q=<x>")
    request.user = rep
    request.resolver_match = None
    items = activity_list(rep, limit=50).items
    assert len(items) >= 6
    engine = engines["django"]
    button = engine.from_string(ACTIVITY_BUTTON).template
    row = engine.from_string(ACTIVITY_ROW).template
    base = {"items": items, "next_url": "/activities/?cursor=x", "button": button, "row": row}
    nav = navigation(request)
    nav["can"]["activity"]["update"] = can_update
    with translation.override(language), timezone.override("Asia/Shanghai"):

        def render(tpl, **extra):
            context = RequestContext(request, {**base, **extra})
            context.update(nav)
            return _same_but_csrf(tpl.render(context))

        old_rows = engine.from_string(ACTIVITY_ROWS).template
        new_rows = engine.get_template("activities/_rows.html").template
        assert render(new_rows) == render(old_rows)
        narrow = activity_list(rep, limit=50, fields=ACTIVITY_ROW_FIELDS).items
        with CaptureQueriesContext(connection) as queries:
            assert render(new_rows, items=narrow) == render(old_rows)
        assert len(queries) == 0
        for a in items:
            new_row = engine.get_template("activities/_row.html").template
            assert render(new_row, a=a) == render(row, a=a)
            for variant in ("item", "status"):
                old = render(button, a=a, variant=variant)
                new = render(
                    engine.get_template("activities/_complete_button.html").template,
                    a=a,
                    variant=variant,
                )
                assert new == old
    assert "<script>" not in render(engine.get_template("activities/_rows.html").template)


BOARD_CARDS = """{% load guanxi %}{% for d in col.cards %}
      <li class="deal-card" data-id="{{ d.pk }}" data-version="{{ d.version }}" data-move-url="{% url 'sales:deal_move' d.pk %}" data-name="{{ d.name }}">
        <a class="deal-card-title" href="{% url 'sales:deal_detail' d.pk %}">{{ d.name }}</a>
        <div class="muted small">{{ d.account.name }}</div>
        <div class="deal-card-meta"><span class="num">{% money d.amount d.currency %}</span><span class="muted small">{{ d.owner.display_name }}</span></div>
      </li>
      {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_board_cards_are_the_markup_of_the_old_template(rows_data, language):
    from guanxi.sales.models import Pipeline
    from guanxi.sales.selectors import kanban

    rep = rows_data
    pipeline = Pipeline.objects.get(organisation=rep.organisation, is_default=True)
    cards = [d for col in kanban(rep, pipeline) for d in col["cards"]]
    assert len(cards) >= 3
    engine = engines["django"]
    context = {"col": {"cards": cards}}
    with translation.override(language):
        want = engine.from_string(BOARD_CARDS).render(context)
        got = engine.from_string("{% load deal_rows %}{% deal_cards col.cards %}").render(context)
    assert got == want and "<script>" not in got


def test_filter_select_is_the_markup_of_its_template(world):
    from guanxi.core.models import Tag
    from guanxi.customers.models import Region
    from guanxi.web.templatetags.guanxi import filter_select

    Tag.objects.create(organisation=world.org, name=EVIL)
    tags = list(Tag.objects.filter(organisation=world.org))
    engine = engines["django"]
    template = engine.get_template("web/components/filter.html")
    cases = [
        ("region", "Region", Region.choices, "east", None),
        ("owner", "<b>Owner</b>", [("me", "Mine"), ("7", EVIL)], None, "Everyone"),
        ("tag", "Tag", tags, str(tags[-1].pk), None),
        ("grade", "Grade", [], "", None),
    ]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for name, label, options, value, all_label in cases:
                pairs = [
                    (str(o[0]), o[1]) if isinstance(o, tuple) else (str(o.pk), str(o))
                    for o in options
                ]
                want = template.render(
                    {
                        "name": name,
                        "label": label,
                        "options": pairs,
                        "value": "" if value is None else str(value),
                        "all_label": all_label or translation.gettext("All"),
                    }
                )
                assert filter_select(name, label, options, value, all_label) == want
