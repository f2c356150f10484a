"""Lead to cash through the API, end to end: a rep quotes with a promotion and a discount
that needs approval, the manager approves, the customer receives the Chinese PDF by email
(a real SMTP server), the order is confirmed, two instalments are paid, and the targets,
the reports, the receivables and the forecast all show the sale, to the cent."""

from __future__ import annotations

import email
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from guanxi.sales.periods import PeriodKind, current_period
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

D = Decimal
TOTAL = "1442.30"  # rice 10 × 100 − 5 % = 950 + 9 % tax; tea 2 × 300 − 40 % = 360 + 13 %


def attachment_text(envelope) -> tuple[str, str]:
    """The filename and the extracted text of the PDF attached to a received email."""
    message = email.message_from_bytes(envelope.content)
    for part in message.walk():
        if part.get_content_type() == "application/pdf":
            pdf = PdfReader(io.BytesIO(part.get_payload(decode=True)))
            return part.get_filename(), "".join(page.extract_text() for page in pdf.pages)
    raise AssertionError("no PDF attached")


def test_quote_to_cash_through_the_api(world, cat, smtp):
    rep = ApiClient(world.users["rep_a"])
    boss = ApiClient(world.users["east_manager"])
    admin = ApiClient(world.users["admin"])
    rep_id = world.users["rep_a"].pk
    zone = world.org.time_zone
    month = current_period(PeriodKind.MONTH, zone).code
    quarter = current_period(PeriodKind.QUARTER, zone).code
    for metric, amount in (("revenue", "2000"), ("collections", "1000")):
        status, body, _ = admin.put(
            "/targets", {"period": month, "metric": metric, "user": rep_id, "amount": amount}
        )
        assert status == 200, body
    deal = world.records["rep_a"].opportunity

    # The quote: ten bags of rice reach the promotion's break; 40 % off the tea is 15.5 %
    # of the quote, above the rule's 15 %.
    status, q, _ = rep.post("/quotes", {"opportunity": deal.pk, "language": "zh-hans"})
    assert status == 201, q
    status, q, _ = rep.post(f"/quotes/{q['id']}/lines", {"product": cat.rice.pk, "quantity": "10"})
    assert status == 200 and q["lines"][0]["promotions"] == ["大米满10袋95折"]
    status, q, _ = rep.post(
        f"/quotes/{q['id']}/lines",
        {"product": cat.tea.pk, "quantity": "2", "discount_percent": "40"},
    )
    assert status == 200 and q["total"] == TOTAL
    status, q, _ = rep.post(f"/quotes/{q['id']}/submit", {})
    assert status == 200 and q["status"] == "pending"
    # Locked while pending; the rep cannot approve it, nor send it.
    assert rep.patch(f"/quotes/{q['id']}", {"notes": "x"})[0] == 409
    assert rep.post(f"/quotes/{q['id']}/approve", {"comment": "me"})[0] == 403
    assert rep.post(f"/quotes/{q['id']}/send", {"to": "buyer@huadong.example.cn"})[0] == 409
    assert not smtp.messages

    # The manager approves from their waiting list.
    waiting = boss.get("/approvals/waiting")[1]
    assert [w["object_id"] for w in waiting] == [q["id"]]
    status, q, _ = boss.post(f"/quotes/{q['id']}/approve", {"comment": "同意，春节大单"})
    assert status == 200 and q["status"] == "approved"

    # The customer receives it: a Chinese PDF through the SMTP server.
    status, q, _ = rep.post(f"/quotes/{q['id']}/send", {"to": "buyer@huadong.example.cn"})
    assert status == 200 and q["status"] == "sent", q
    assert [m.rcpt_tos for m in smtp.messages] == [["buyer@huadong.example.cn"]]
    filename, text = attachment_text(smtp.messages[0])
    assert filename.endswith(".pdf") and q["number"] in filename
    for words in ("报价单", "客户", "单价", "五常有机大米 5kg", "大米满10袋95折", "¥1,442.30"):
        assert words in text, words
    status, q, _ = rep.post(f"/quotes/{q['id']}/accept", {})
    assert status == 200 and q["status"] == "accepted"

    # The order: copied from the quote to the cent, confirmed, which wins the deal.
    status, order, _ = rep.post("/orders/from-quote", {"quote": q["id"]})
    assert status == 201, order
    assert order["total"] == TOTAL and order["status"] == "draft"
    assert rep.post("/orders/from-quote", {"quote": q["id"]})[0] == 409  # not twice
    status, order, _ = rep.post(f"/orders/{order['id']}/confirm", {})
    assert status == 200 and order["status"] == "confirmed"
    assert rep.get(f"/opportunities/{deal.pk}")[1]["status"] == "won"

    # Two instalments, each paid by its own receipt.
    oid = order["id"]
    status, plan, _ = rep.put(
        f"/orders/{oid}/instalments",
        {
            "instalments": [
                {"due_date": "2026-01-10", "amount": "442.30", "note": "定金"},
                {"due_date": "2099-12-31", "amount": "1000.00"},
            ]
        },
    )
    assert status == 200 and plan["planned"] == TOTAL
    aging = {b["bucket"]: b for b in rep.get("/receivables/aging")[1]["buckets"]}
    assert aging["total"]["amounts"] == {"CNY": TOTAL} and aging["total"]["count"] == 2
    assert aging["over_90"]["amounts"] == {"CNY": "442.30"}  # the deposit, long overdue
    status, body, _ = rep.post("/receipts", {"order": oid, "amount": "1500", "method": "cash"})
    assert status == 422 and "amount" in body["error"]["fields"]  # more than is owed
    for amount, ref in (("442.30", "ICBC-001"), ("1000.00", "ICBC-002")):
        status, receipt, _ = rep.post(
            "/receipts",
            {"order": oid, "amount": amount, "method": "bank_transfer", "reference": ref},
        )
        assert status == 201, receipt
        assert [a["amount"] for a in receipt["allocations"]] == [amount]
    status, plan, _ = rep.get(f"/orders/{oid}/instalments")
    assert [i["outstanding"] for i in plan["instalments"]] == ["0.00", "0.00"]
    assert rep.get(f"/orders/{oid}")[1]["paid_total"] == TOTAL

    # The dashboards: the rep's targets, the reports, the receivables and the forecast.
    got = {t["metric"]: t for t in rep.get("/targets", period=month)[1]}
    assert (got["revenue"]["actual"], got["revenue"]["percent"]) == (TOTAL, "72.1")
    assert (got["collections"]["actual"], got["collections"]["percent"]) == (TOTAL, "144.2")
    for who in (rep, boss, admin):
        rows = who.get("/reports/sales_by_rep", period=month)[1]["rows"]
        assert {r["name"]: r["amount"] for r in rows} == {"rep_a": TOTAL, "All": TOTAL}
        products = who.get("/reports/sales_by_product", period=month)[1]["rows"]
        by_sku = {r["sku"]: r["amount"] for r in products}
        assert by_sku == {"RICE-5": "1035.50", "TEA-1": "406.80", None: TOTAL}
    total = {b["bucket"]: b for b in rep.get("/receivables/aging")[1]["buckets"]}["total"]
    assert total["count"] == 0 and not any(D(v) for v in total["amounts"].values()), total
    mine = rep.get("/forecasts/mine", period=quarter)[1]
    assert mine["deals"]["closed"] == TOTAL  # the order's total, not the deal's 1000
    status, sub, _ = rep.put(
        "/forecasts/mine", {"period": quarter, "commit": TOTAL, "best_case": TOTAL}
    )
    assert status == 200, sub
    rollup = {r["team"]["name"]: r for r in boss.get("/forecasts/rollup", period=quarter)[1]}
    assert rollup["East"]["commit"] == TOTAL
