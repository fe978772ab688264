"""Projects, phases and tasks written straight to the database, for arranging tests.

The services are what tests exercise; these only set the scene, so they stay plain.
"""

from rapport.core.models import Category, Membership
from rapport.projects.models import (
    Phase,
    Project,
    ProjectMember,
    Task,
    TaskAssignee,
)


def make_project(
    actor: Membership, name: str = "Website relaunch", *, members=(), **data
) -> Project:
    """A project created by `actor`, who is a member; `members` are more memberships."""
    data.setdefault("emails_from", "projects@acme.test")
    project = Project.objects.create(
        workspace=actor.workspace, name=name, created_by=actor.user, **data
    )
    for m in (actor, *members):
        ProjectMember.objects.get_or_create(workspace=actor.workspace, project=project, user=m.user)
    return project


def make_phase(project: Project, name: str = "Design", *, position: int | None = None) -> Phase:
    if position is None:
        position = Phase.objects.filter(project=project).count()
    return Phase.objects.create(
        workspace_id=project.workspace_id, project=project, name=name, position=position
    )


def make_task(phase: Phase, title: str = "Wireframes", *, assignees=(), **data) -> Task:
    data.setdefault("position", Task.objects.filter(phase=phase).count())
    task = Task.objects.create(
        workspace_id=phase.workspace_id,
        project_id=phase.project_id,
        phase=phase,
        title=title,
        **data,
    )
    for m in assignees:
        TaskAssignee.objects.create(workspace_id=phase.workspace_id, task=task, user=m.user)
    return task


def task_category(workspace, name: str = "Design") -> Category:
    return Category.objects.get(workspace=workspace, kind="task-categories", name=name)
