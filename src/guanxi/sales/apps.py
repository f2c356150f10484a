from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "guanxi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from guanxi.core import events, registry
        from guanxi.sales import (
            contracts,
            panels,
            payment_reminders,
            payments,
            quotes,  # noqa: F401 (registers quotes with approvals)
            services,
        )
        from guanxi.sales.models import Contract, Opportunity, Order, Quote

        registry.organisation_setup.append(services.pipeline_create_default)
        registry.object_querysets["opportunity"] = Opportunity.objects.all
        registry.object_querysets["quote"] = Quote.objects.all
        registry.object_querysets["order"] = Order.objects.all
        registry.object_querysets["contract"] = Contract.objects.all
        registry.account_figures.append(panels.account_figures)
        registry.account_panels.append(panels.deals_panel)
        registry.account_panels.append(panels.orders_panel)
        registry.account_panels.append(panels.contracts_panel)
        registry.account_panels.append(panels.receivables_panel)
        # Payments follow their order or contract when it changes hands.
        for verb in ("order.assigned", "contract.assigned"):
            events.subscribe(verb, payments.on_parent_assigned, in_transaction=True)
        events.subscribe("payment.reminded", payment_reminders.notify_reminded, in_transaction=True)
        events.subscribe("contract.renewal_due", contracts.notify_renewal, in_transaction=True)
