from django.urls import include, path

from guanxi.config.api import api
from guanxi.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("f/", include("guanxi.leads.public")),
    path("", include("guanxi.web.urls")),
]
