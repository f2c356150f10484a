"""The object types a file can be imported into, one adapter each."""

from __future__ import annotations

import functools
from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import ValidationFailed
from guanxi.dataio.importer.adapters import Adapter, Ref


def _lead_create(*, actor, data: dict[str, Any], owner: Any = None, raw=None):
    from guanxi.leads.models import Channel
    from guanxi.leads.services import lead_capture

    return lead_capture(
        organisation=actor.organisation,
        data=data,
        channel=Channel.IMPORT,
        actor=actor,
        owner=owner,
        raw=raw,
    )


@functools.cache
def adapters() -> dict[str, Adapter]:
    from guanxi.activities.models import Activity
    from guanxi.activities.services import ACTIVITY_FIELDS, activity_create, activity_update
    from guanxi.customers.models import Account, Contact
    from guanxi.customers.services import (
        ACCOUNT_FIELDS,
        CONTACT_FIELDS,
        account_create,
        account_update,
        contact_create,
        contact_update,
    )
    from guanxi.dataio.importer.contacts import ContactAdapter
    from guanxi.leads.models import Lead
    from guanxi.leads.services import LEAD_FIELDS, lead_update
    from guanxi.sales.catalogue import PRODUCT_FIELDS, product_create, product_update
    from guanxi.sales.models import Opportunity, Pipeline, Product, Stage
    from guanxi.sales.services import OPPORTUNITY_FIELDS, opportunity_create, opportunity_update

    account_ref = Ref(Account, "account")
    found = [
        Adapter(
            "account",
            Account,
            ("id", *ACCOUNT_FIELDS),
            account_create,
            account_update,
            keys=("id", "email", "phone"),
            required=("name",),
            label=_("Accounts"),
            aliases={"name": ("公司", "公司名称", "客户名称", "company", "company name")},
        ),
        ContactAdapter(
            "contact",
            Contact,
            ("id", *CONTACT_FIELDS),
            contact_create,
            contact_update,
            keys=("id", "email", "mobile"),
            refs={"account": account_ref},
            required=("name",),
            label=_("Contacts"),
        ),
        Adapter(
            "lead",
            Lead,
            ("id", *(f for f in LEAD_FIELDS if f != "utm")),
            _lead_create,
            lead_update,
            keys=("id", "email", "mobile"),
            label=_("Leads"),
            keep_raw=True,
        ),
        Adapter(
            "opportunity",
            Opportunity,
            ("id", *OPPORTUNITY_FIELDS),
            opportunity_create,
            opportunity_update,
            refs={
                "account": account_ref,
                "contact": Ref(Contact, "contact"),
                "pipeline": Ref(Pipeline, None),
                "stage": Ref(Stage, None),
            },
            required=("name",),
            label=_("Deals"),
        ),
        Adapter(
            "product",
            Product,
            ("id", *PRODUCT_FIELDS),
            product_create,
            product_update,
            keys=("id", "sku"),
            required=("sku", "name"),
            label=_("Products"),
            aliases={
                "sku": (
                    "编码",
                    "商品编码",
                    "产品编码",
                    "物料编码",
                    "货号",
                    "product code",
                    "item code",
                ),
                "name": ("产品名称", "商品名称", "品名", "产品", "商品", "product", "product name"),
                "category": ("分类", "类别", "产品分类", "品类"),
                "unit": ("单位", "计量单位"),
                "list_price": ("价格", "单价", "标准价", "目录价", "零售价", "price", "unit price"),
                "currency": ("币种", "货币"),
                "tax_rate": ("税率", "增值税率", "tax", "vat"),
                "is_active": ("在售", "启用", "active"),
            },
        ),
        Adapter(
            "activity",
            Activity,
            ("id", *(f for f in ACTIVITY_FIELDS if f != "lead")),
            activity_create,
            activity_update,
            refs={
                "account": account_ref,
                "contact": Ref(Contact, "contact"),
                "opportunity": Ref(Opportunity, "opportunity"),
            },
            required=("subject",),
            label=_("Activities"),
        ),
    ]
    return {a.object_type: a for a in found}


def adapter_for(object_type: str) -> Adapter:
    try:
        return adapters()[object_type]
    except KeyError:
        raise ValidationFailed.on("object", _("This kind of record cannot be imported.")) from None
