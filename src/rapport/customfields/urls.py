from django.urls import path

from rapport.customfields import views

# Included under /w/<slug>/settings/custom-fields/ (the `id` converter is core's).
# "fields/<id>/options/" comes before "fields/<id>/<action>/", which would take it.
urlpatterns = [
    path("", views.settings_custom_fields, name="settings_custom_fields"),
    path(
        "company/",
        views.settings_custom_fields,
        {"entity": "company"},
        name="settings_custom_fields_company",
    ),
    path(
        "<slug:entity>/sections/",
        views.section_add,
        name="settings_custom_fields_section_add",
    ),
    path(
        "sections/<id:section_id>/<slug:action>/",
        views.section_action,
        name="settings_custom_fields_section_action",
    ),
    path("<slug:entity>/fields/", views.field_add, name="settings_custom_fields_field_add"),
    path("fields/<id:field_id>/", views.field_edit, name="settings_custom_fields_field"),
    path(
        "fields/<id:field_id>/options/",
        views.option_add,
        name="settings_custom_fields_option_add",
    ),
    path(
        "fields/<id:field_id>/<slug:action>/",
        views.field_action,
        name="settings_custom_fields_field_action",
    ),
    path(
        "fields/<id:field_id>/options/<slug:value>/<slug:action>/",
        views.option_action,
        name="settings_custom_fields_option_action",
    ),
]
