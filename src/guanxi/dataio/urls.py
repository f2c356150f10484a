from django.urls import path

from guanxi.dataio import views

app_name = "dataio"
urlpatterns = [
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/search/", views.run_start, name="run_start"),
    path("duplicates/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("duplicates/merges/<int:pk>/undo/", views.undo, name="undo"),
]
