"""Projects in the global search: found by name, shown with their company and status.

Every staff member sees every project (PRODUCT §4), so the only rule is the module: when
it is switched off, no project is found.
"""

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Membership
from rapport.projects.access import MODULE
from rapport.projects.models import Project, ProjectStatus
from rapport.search.registry import HIDDEN, Document, IndexedProvider, register


class ProjectProvider(IndexedProvider):
    label = _("Project")

    def documents(self, *, workspace_id: int, ids: list[int]):
        rows = Project.objects.filter(workspace_id=workspace_id, pk__in=ids).values_list(
            "pk", "name", "status", "company__name"
        )
        statuses = dict(ProjectStatus.choices)
        for pk, name, status, company in rows:
            yield Document(
                object_id=pk,
                title=name,
                subtitle=" · ".join(str(x) for x in (company, statuses.get(status)) if x),
                words=[name],
                other=[company or ""],
            )

    def ids(self, *, workspace_id: int) -> QuerySet:
        return Project.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)

    def url(self, *, slug: str, object_id: int) -> str:
        return reverse("project_detail", args=[slug, object_id])

    def visible(self, *, actor: Membership) -> Q | None:
        if not actor.workspace.module_enabled(MODULE):
            return HIDDEN
        return None


def register_provider() -> None:
    register("project", ProjectProvider())
