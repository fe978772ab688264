from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "rapport.dataio"
    label = "dataio"
    verbose_name = "Import and export"
