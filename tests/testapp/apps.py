from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Rows that point at categories, standing in for the contacts that come later."""

    name = "tests.testapp"
    label = "testapp"
