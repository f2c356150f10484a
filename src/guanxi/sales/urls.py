from django.urls import path

from guanxi.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.deal_list, name="deal_list"),
    path("board/", views.board, name="board"),
    path("new/", views.deal_create, name="deal_create"),
    path("<int:pk>/", views.deal_detail, name="deal_detail"),
    path("<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("<int:pk>/move/", views.deal_move, name="deal_move"),
    path("<int:pk>/assign/", views.deal_assign, name="deal_assign"),
    path("<int:pk>/delete/", views.deal_delete, name="deal_delete"),
]
