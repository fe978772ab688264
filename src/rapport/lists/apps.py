from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "rapport.lists"
    label = "lists"
    verbose_name = "User lists"
