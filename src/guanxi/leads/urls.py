from django.urls import path

from guanxi.leads import account_pool_views, form_views, settings_views, views

app_name = "leads"
urlpatterns = [
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/bulk/", views.lead_bulk, name="lead_bulk"),
    path("leads/import/", views.lead_import, name="lead_import"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/status/", views.lead_status, name="lead_status"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="lead_assign"),
    path("leads/<int:pk>/claim/", views.lead_claim, name="lead_claim"),
    path("leads/<int:pk>/release/", views.lead_release, name="lead_release"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    *account_pool_views.urlpatterns,
    *settings_views.urlpatterns,
    *form_views.urlpatterns,
]
