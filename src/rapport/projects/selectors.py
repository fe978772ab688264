"""Reads of projects: every query is scoped to the workspace and the module."""

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.core.models import Membership, Workspace
from rapport.projects.access import require_module
from rapport.projects.models import Phase, Project, Task


def project_visible(*, workspace: Workspace, actor: Membership) -> QuerySet[Project]:
    """Every project of the workspace: staff see all of them (editing is narrower)."""
    require_module(actor)
    return Project.objects.filter(workspace=workspace)


def project_get(*, workspace: Workspace, actor: Membership, project_id: int) -> Project:
    project = (
        project_visible(workspace=workspace, actor=actor)
        .select_related("company")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound("Project not found.")
    return project


def phase_get(*, workspace: Workspace, actor: Membership, project_id: int, phase_id: int) -> Phase:
    require_module(actor)
    phase = (
        Phase.objects.select_related("project")
        .filter(workspace=workspace, project_id=project_id, pk=phase_id)
        .first()
    )
    if phase is None:
        raise NotFound("Phase not found.")
    return phase


def task_visible(*, workspace: Workspace, actor: Membership) -> QuerySet[Task]:
    require_module(actor)
    return Task.objects.filter(workspace=workspace)


def task_get(*, workspace: Workspace, actor: Membership, task_id: int) -> Task:
    task = (
        task_visible(workspace=workspace, actor=actor)
        .select_related("project", "phase", "category")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound("Task not found.")
    return task
