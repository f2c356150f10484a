from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "guanxi.dataio"
    label = "dataio"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from guanxi.core import registry
        from guanxi.dataio import panels, services, tasks  # noqa: F401 (registers the jobs)

        registry.account_panels.append(panels.account_duplicates)
        registry.contact_panels.append(panels.contact_duplicates)
        registry.file_import["run"] = services.import_now
