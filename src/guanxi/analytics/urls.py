from django.urls import path

from guanxi.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.report_index, name="report_index"),
    path("<slug:name>.csv", views.report_export, name="report_export"),
    path("<slug:name>/", views.report_card, name="report_card"),
]
