"""A quote as a PDF, in the quote's language, under the organisation's letterhead.

ReportLab draws it. Chinese text is set in STSong-Light, one of the CID fonts every PDF
reader provides (Adobe's Asian font packs, pdf.js and the browsers' viewers), so nothing has
to be installed or embedded and the text stays extractable and searchable.
"""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guanxi.sales.models import Quote, QuoteLine

FONT = "STSong-Light"
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "JP¥", "GBP": "£"}
ACCENT = colors.HexColor("#1f4e79")


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def money(amount: Decimal, currency: str) -> str:
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{text}"


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quote_pdf(quote: Quote, lines: list[QuoteLine] | None = None) -> bytes:
    """The PDF of ``quote`` (its lines are read unless given)."""
    if lines is None:
        lines = list(QuoteLine.objects.filter(quote=quote).order_by("position", "id"))
    with translation.override(quote.language):
        return _render(quote, lines)


def _render(quote: Quote, lines: list[QuoteLine]) -> bytes:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey)
    head = ParagraphStyle("head", parent=base, fontSize=18, leading=24, textColor=ACCENT)
    title = ParagraphStyle("title", parent=base, fontSize=14, leading=20)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)

    def p(text, style=base):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    org = quote.organisation
    cur = quote.currency
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{_('Quote')} {quote}",
        author=org.name,
    )
    story = [p(org.name, head)]
    story.append(
        Table(
            [[""]],
            colWidths=[doc.width],
            style=[("LINEBELOW", (0, 0), (-1, -1), 1.2, ACCENT)],
            rowHeights=[2],
        )
    )
    story += [Spacer(1, 6 * mm), p(f"{_('Quote')} {quote}", title), Spacer(1, 3 * mm)]
    facts = [
        (_("Customer"), quote.account.name),
        (_("Contact"), quote.contact.name if quote.contact_id else "—"),
        (_("Quote date"), date_format(quote.quote_date, "DATE_FORMAT")),
        (
            _("Valid until"),
            date_format(quote.valid_until, "DATE_FORMAT") if quote.valid_until else "—",
        ),
        (_("Prepared by"), quote.owner.display_name),
        (_("Currency"), cur),
    ]
    story.append(
        Table(
            [[p(k, small), p(v)] for k, v in facts],
            colWidths=[30 * mm, doc.width - 30 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)],
        )
    )
    story.append(Spacer(1, 5 * mm))
    header = [
        "#",
        _("Product"),
        _("Quantity"),
        _("Unit price"),
        _("Discount"),
        _("Net"),
        _("Tax"),
        _("Total"),
    ]
    rows = [[p(h, small) for h in header]]
    for i, line in enumerate(lines, 1):
        discount = line.promotion_discount + line.manual_discount
        name = line.description
        if line.promotions:
            name += "\n" + "、".join(line.promotions)
        rows.append(
            [
                p(i),
                p(name),
                p(f"{_number(line.quantity)} {line.unit}", right),
                p(money(line.unit_price, cur), right),
                p(money(-discount, cur) if discount else "—", right),
                p(money(line.net, cur), right),
                p(f"{money(line.tax, cur)}\n{_number(line.tax_rate)}%", right),
                p(money(line.total, cur), right),
            ]
        )
    widths = [8 * mm, None, 20 * mm, 22 * mm, 22 * mm, 24 * mm, 22 * mm, 25 * mm]
    fixed = sum(w for w in widths if w)
    widths[1] = doc.width - fixed
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    totals = [
        (_("Before discounts"), quote.gross),
        (_("Discounts"), -quote.discount_total),
        (_("Net"), quote.net_total),
        (_("Tax"), quote.tax_total),
        (_("Total"), quote.total),
    ]
    bold = ParagraphStyle("bold", parent=right, fontSize=11, leading=15, textColor=ACCENT)
    story.append(
        Table(
            [
                [
                    p(k, right if k != _("Total") else bold),
                    p(money(v, cur), right if k != _("Total") else bold),
                ]
                for k, v in totals
            ],
            colWidths=[doc.width - 40 * mm, 40 * mm],
            style=[("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT)],
        )
    )
    if quote.notes:
        story += [Spacer(1, 6 * mm), p(_("Terms and notes"), small), p(quote.notes)]
    doc.build(story)
    return out.getvalue()
