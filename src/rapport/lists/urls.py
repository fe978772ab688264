from django.urls import path

from rapport.lists import views

urlpatterns = [
    path("", views.list_index, name="list_index"),
    path("new/", views.list_new, name="list_new"),
    path("edit/", views.list_refilter, name="list_refilter"),
    path("preview/count/", views.list_preview_count, name="list_preview_count"),
    path("<id:list_id>/", views.list_detail, name="list_detail"),
    path("<id:list_id>/count/", views.list_count, name="list_count"),
    path("<id:list_id>/edit/", views.list_edit, name="list_edit"),
    path("<id:list_id>/delete/", views.list_delete, name="list_delete"),
    path("<id:list_id>/members.csv", views.list_csv, name="list_csv"),
]
