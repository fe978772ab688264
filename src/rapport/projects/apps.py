from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "rapport.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self):
        from rapport.core.categories import REFERENCES
        from rapport.filters.language import register_filter
        from rapport.projects import (
            merge,  # noqa: F401  (registers the merge hooks)
            search,
            selectors_projects,
        )

        search.register_provider()
        # The category settings count these uses and ask where they go before a delete.
        REFERENCES["task-categories"].append(("projects.Task", "category"))
        REFERENCES["task-categories"].append(("projects.CommonTask", "category"))
        register_filter("contact", "project", selectors_projects.contact_project_filter)
        register_filter("company", "project", selectors_projects.company_project_filter)
