from django.urls import path

from guanxi.dataio import dedupe_views, views

app_name = "dataio"
urlpatterns = [
    path("duplicates/", dedupe_views.duplicates, name="duplicates"),
    path("duplicates/search/", dedupe_views.run_start, name="run_start"),
    path("duplicates/<int:pk>/dismiss/", dedupe_views.dismiss, name="dismiss"),
    path("duplicates/merge/", dedupe_views.merge, name="merge"),
    path("duplicates/merges/<int:pk>/undo/", dedupe_views.undo, name="undo"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("imports/<int:pk>/<str:action>/", views.import_action, name="import_action"),
    path("exports/new/", views.export_new, name="export_new"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/file", views.export_file, name="export_file"),
]
