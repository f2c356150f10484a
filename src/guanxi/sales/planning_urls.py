from django.urls import path

from guanxi.sales import planning_views as views

app_name = "planning"
urlpatterns = [
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/<int:pk>/adjust/", views.forecast_adjust, name="forecast_adjust"),
    path("forecast/<int:pk>/history/", views.forecast_history, name="forecast_history"),
    path("targets/", views.targets_page, name="targets"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
]
