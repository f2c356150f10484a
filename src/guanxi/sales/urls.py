from django.urls import path, re_path

from guanxi.sales import catalogue_views as cv
from guanxi.sales import contract_views as ctv
from guanxi.sales import order_views as ov
from guanxi.sales import payment_views as pv
from guanxi.sales import quote_views as qv
from guanxi.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.deal_list, name="deal_list"),
    path("board/", views.board, name="board"),
    path("new/", views.deal_create, name="deal_create"),
    path("<int:pk>/", views.deal_detail, name="deal_detail"),
    path("<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("<int:pk>/move/", views.deal_move, name="deal_move"),
    path("<int:pk>/assign/", views.deal_assign, name="deal_assign"),
    path("<int:pk>/delete/", views.deal_delete, name="deal_delete"),
    path("<int:deal_pk>/quotes/new/", qv.quote_create, name="quote_create"),
    path("quotes/", qv.quote_list, name="quote_list"),
    path("quotes/<int:pk>/", qv.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", qv.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/lines/", qv.line_add, name="quote_line_add"),
    path("quotes/<int:pk>/lines/<int:line_pk>/", qv.line_update, name="quote_line_update"),
    path("quotes/<int:pk>/lines/<int:line_pk>/remove/", qv.line_remove, name="quote_line_remove"),
    path("quotes/<int:pk>/decide/", qv.quote_decide, name="quote_decide"),
    path("quotes/<int:pk>/pdf/", qv.quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/send/", qv.quote_send, name="quote_send"),
    path("quotes/<int:quote_pk>/order/", ov.order_from_quote, name="order_from_quote"),
    path("quotes/<int:pk>/<slug:action>/", qv.quote_action, name="quote_action"),
    path("approvals/", qv.approval_inbox, name="approval_inbox"),
    path("receivables/", pv.receivables, name="receivables"),
    path("receivables/<int:pk>/pay/", pv.receivable_pay, name="receivable_pay"),
    path("orders/", ov.order_list, name="order_list"),
    path("orders/new/", ov.order_create, name="order_create"),
    path("orders/<int:pk>/", ov.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", ov.order_edit, name="order_edit"),
    path("orders/<int:pk>/lines/", ov.line_add, name="order_line_add"),
    path("orders/<int:pk>/lines/<int:line_pk>/", ov.line_update, name="order_line_update"),
    path("orders/<int:pk>/lines/<int:line_pk>/remove/", ov.line_remove, name="order_line_remove"),
    path("orders/<int:pk>/cancel/", ov.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/assign/", ov.order_assign, name="order_assign"),
    path("orders/<int:pk>/delete/", ov.order_delete, name="order_delete"),
    re_path(
        r"^orders/(?P<pk>[0-9]+)/(?P<action>confirm|ship|complete)/$",
        ov.order_action,
        name="order_action",
    ),
    path("contracts/", ctv.contract_list, name="contract_list"),
    path("contracts/new/", ctv.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", ctv.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", ctv.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/terminate/", ctv.contract_terminate, name="contract_terminate"),
    path("contracts/<int:pk>/assign/", ctv.contract_assign, name="contract_assign"),
    path("contracts/<int:pk>/delete/", ctv.contract_delete, name="contract_delete"),
    re_path(
        r"^contracts/(?P<pk>[0-9]+)/(?P<action>activate|renew)/$",
        ctv.contract_action,
        name="contract_action",
    ),
    path("products/", cv.product_list, name="product_list"),
    path("products/new/", cv.product_form, name="product_create"),
    path("products/<int:pk>/", cv.product_form, name="product_edit"),
    path("pricing/", cv.price_list_index, name="pricing"),
    path("pricing/rates/", cv.currency_rate_set, name="currency_rate_set"),
    path("pricing/lists/new/", cv.price_list_form, name="price_list_create"),
    path("pricing/lists/<int:pk>/", cv.price_list_detail, name="price_list_detail"),
    path("pricing/lists/<int:pk>/edit/", cv.price_list_form, name="price_list_edit"),
    path(
        "pricing/lists/<int:pk>/prices/<int:product_pk>/remove/",
        cv.price_remove,
        name="price_remove",
    ),
    path("pricing/promotions/new/", cv.promotion_form, name="promotion_create"),
    path("pricing/promotions/<int:pk>/", cv.promotion_form, name="promotion_edit"),
    path("approval-rules/", cv.approval_rules, name="approval_rules"),
    path("approval-rules/new/", cv.approval_rule_form, name="approval_rule_create"),
    path("approval-rules/<int:pk>/", cv.approval_rule_form, name="approval_rule_edit"),
]


def _payments(kind: str, prefix: str) -> list:
    """The payments panel of an order or a contract, and what its forms post to."""
    base, kw = f"{prefix}/<int:pk>/payments/", {"kind": kind}
    return [
        path(base, pv.payment_panel, kw, name=f"{kind}_payments"),
        path(f"{base}plan/", pv.plan_set, kw, name=f"{kind}_payments_plan"),
        path(f"{base}preset/", pv.plan_preset, kw, name=f"{kind}_payments_preset"),
        path(f"{base}receipts/", pv.receipt_create, kw, name=f"{kind}_payments_receipt"),
        path(
            f"{base}receipts/<int:receipt_pk>/void/",
            pv.receipt_void,
            kw,
            name=f"{kind}_payments_void",
        ),
    ]


urlpatterns += _payments("order", "orders") + _payments("contract", "contracts")
