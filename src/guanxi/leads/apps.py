from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from guanxi.core import events, registry
        from guanxi.leads import (  # noqa: F401 (tasks registers the jobs)
            account_pool,
            account_pool_views,
            handlers,
            routing,
            services,
            tasks,
        )
        from guanxi.leads.models import Lead

        registry.organisation_setup.append(services.leads_setup)
        registry.account_actions.append(account_pool_views.account_actions)
        # An account handed to someone by an administrator leaves its pool with the change.
        events.subscribe("account.assigned", account_pool.left_pool, in_transaction=True)
        registry.object_querysets["lead"] = Lead.objects.all
        # The notification commits with the assignment (one commit per lead, not two).
        events.subscribe("lead.assigned", handlers.notify_new_owner, in_transaction=True)
        # Who can be given leads is held for a second; changes to people apply at once
        # (dropped with the change, and again once it commits).
        for prefix in ("user.", "team.", "permission."):
            events.subscribe(prefix, routing.forget_on_event, in_transaction=True)
            events.subscribe(prefix, routing.forget_on_event)
