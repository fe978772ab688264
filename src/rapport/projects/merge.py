"""Merging contacts or companies keeps their projects: links move to the kept record.

A project links a contact or company once (unique pairs), so a link that the kept
record already has is dropped instead of moved. Runs inside the merge's transaction.
"""

from rapport.customers.services.merge import merge_hook
from rapport.projects.models import Project, ProjectCompany, ProjectContact
from rapport.search import index as search_index


def _move_links(model, column: str, *, workspace, survivor, losers) -> None:
    loser_ids = [x.pk for x in losers]
    have = set(
        model.objects.filter(workspace=workspace, **{column: survivor.pk}).values_list(
            "project_id", flat=True
        )
    )
    rows = (
        model.objects.filter(workspace=workspace, **{f"{column}__in": loser_ids})
        .select_for_update()
        .order_by("pk")
    )
    for link in rows:
        if link.project_id in have:
            link.delete()
            continue
        setattr(link, column, survivor.pk)
        link.save(update_fields=[column.removesuffix("_id")])
        have.add(link.project_id)


@merge_hook("contact", handles=("projects.ProjectContact.contact",))
def _contacts_keep_their_projects(*, workspace, actor, survivor, losers) -> None:
    _move_links(ProjectContact, "contact_id", workspace=workspace, survivor=survivor, losers=losers)


@merge_hook("company", handles=("projects.Project.company", "projects.ProjectCompany.company"))
def _companies_keep_their_projects(*, workspace, actor, survivor, losers) -> None:
    loser_ids = [x.pk for x in losers]
    moved = list(
        Project.objects.filter(workspace=workspace, company_id__in=loser_ids).values_list(
            "pk", flat=True
        )
    )
    if moved:
        Project.objects.filter(workspace=workspace, pk__in=moved).update(company=survivor)
        # The search subtitle names the company.
        search_index.refresh(workspace.pk, "project", moved)
    _move_links(ProjectCompany, "company_id", workspace=workspace, survivor=survivor, losers=losers)
