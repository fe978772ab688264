from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "rapport.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        from django.db.backends.signals import connection_created

        from rapport.search import providers
        from rapport.search.fuzzy import on_connect

        providers.register_all()
        connection_created.connect(on_connect, dispatch_uid="search-on-connect")
