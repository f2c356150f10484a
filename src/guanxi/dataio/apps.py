from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "guanxi.dataio"
    label = "dataio"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from guanxi.core import registry
        from guanxi.dataio import services, tasks  # noqa: F401 (registers the jobs)

        registry.file_import["run"] = services.import_now
