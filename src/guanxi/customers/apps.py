from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from guanxi.core import registry
        from guanxi.customers import panels
        from guanxi.customers.models import Account, Contact

        registry.object_querysets["account"] = Account.objects.all
        registry.object_querysets["contact"] = Contact.objects.all
        registry.account_panels.append(panels.contacts_panel)
