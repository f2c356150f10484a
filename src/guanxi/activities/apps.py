from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "guanxi.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from guanxi.activities import panels
        from guanxi.activities.models import Activity
        from guanxi.core import registry

        registry.object_querysets["activity"] = Activity.objects.all
        registry.account_figures.append(panels.account_figures)
        registry.account_panels.append(panels.tasks_panel)
