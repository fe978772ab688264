from django.urls import path

from rapport.dataio import views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<id:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<id:job_id>/columns/", views.import_mapping, name="import_mapping"),
    path("imports/<id:job_id>/preview/", views.import_preview, name="import_preview"),
    path("imports/<id:job_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<id:job_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<id:job_id>/rejected.csv", views.import_rejected, name="import_rejected"),
]
