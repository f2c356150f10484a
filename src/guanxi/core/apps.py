from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from guanxi.core import approvals, events, services

        approvals.connect()
        # Bearer tokens are held for a second: a revocation or a change to people applies
        # at once in this process (dropped with the change, and again once it commits).
        for prefix in ("token.", "user.", "team.", "role.", "permission."):
            events.subscribe(prefix, services.tokens_forget, in_transaction=True)
            events.subscribe(prefix, services.tokens_forget)
