"""Reads of phases, tasks and common tasks: scoped to the workspace and the module, each
in a fixed number of queries however many rows there are."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from rapport.core.errors import NotFound
from rapport.core.models import Category, Membership, Workspace
from rapport.projects.access import require_module
from rapport.projects.models import CommonTask, Phase, Project, Task, TaskAssignee

CATEGORY_KIND = "task-categories"


def with_task_details(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks with their category and assignees (ordered by name) loaded: one query more."""
    return tasks.select_related("category").prefetch_related(
        Prefetch(
            "assignments",
            queryset=TaskAssignee.objects.select_related("user").order_by("user__name", "pk"),
        )
    )


def project_for_tasks(*, workspace: Workspace, actor: Membership, project_id: int) -> Project:
    require_module(actor)
    project = Project.objects.filter(workspace=workspace, pk=project_id).first()
    if project is None:
        raise NotFound("Project not found.")
    return project


def phase_list(*, workspace: Workspace, actor: Membership, project_id: int) -> QuerySet[Phase]:
    """The project's phases (404 for a project outside the workspace)."""
    project = project_for_tasks(workspace=workspace, actor=actor, project_id=project_id)
    return Phase.objects.filter(workspace=workspace, project=project)


@dataclass
class TaskFilter:
    project: int | None = None
    phase: int | None = None
    # A user id; the API turns "me" into the caller's before it gets here.
    assignee: int | None = None
    status: str | None = None
    category: int | None = None
    # Strictly before this day; tasks without a due date never match.
    due_before: dt.date | None = None


def task_list(*, workspace: Workspace, actor: Membership, filters: TaskFilter) -> QuerySet[Task]:
    require_module(actor)
    tasks = Task.objects.filter(workspace=workspace)
    if filters.project is not None:
        tasks = tasks.filter(project_id=filters.project)
    if filters.phase is not None:
        tasks = tasks.filter(phase_id=filters.phase)
    if filters.assignee is not None:
        tasks = tasks.filter(
            assignments__workspace=workspace, assignments__user_id=filters.assignee
        )
    if filters.status is not None:
        tasks = tasks.filter(status=filters.status)
    if filters.category is not None:
        tasks = tasks.filter(category_id=filters.category)
    if filters.due_before is not None:
        tasks = tasks.filter(due_date__lt=filters.due_before)
    return with_task_details(tasks)


def task_detail(*, workspace: Workspace, actor: Membership, task_id: int) -> Task:
    require_module(actor)
    task = (
        with_task_details(Task.objects.filter(workspace=workspace, pk=task_id))
        .select_related("project", "project__company", "phase")
        .first()
    )
    if task is None:
        raise NotFound("Task not found.")
    return task


def common_task_list(*, workspace: Workspace, actor: Membership) -> QuerySet[CommonTask]:
    require_module(actor)
    return CommonTask.objects.filter(workspace=workspace).select_related("category")


def common_task_get(*, workspace: Workspace, actor: Membership, common_task_id: int) -> CommonTask:
    found = common_task_list(workspace=workspace, actor=actor).filter(pk=common_task_id).first()
    if found is None:
        raise NotFound("Common task not found.")
    return found


def task_categories(*, workspace: Workspace) -> list[Category]:
    return list(
        Category.objects.filter(workspace=workspace, kind=CATEGORY_KIND).order_by("position", "pk")
    )


def project_member_users(*, project: Project) -> list:
    """The users who may be assigned to the project's tasks, by name."""
    return list(
        get_user_model()
        .objects.filter(
            pk__in=project.memberships.filter(workspace_id=project.workspace_id).values("user_id")
        )
        .order_by("name", "email", "pk")
    )


@dataclass
class PhaseBoard:
    """What the project page's phases section shows, loaded in a fixed number of queries."""

    phases: list[Phase]
    members: list
    categories: list[Category]
    common_tasks: list[CommonTask]


def phases_with_tasks(
    *, workspace: Workspace, actor: Membership, project: Project, for_editing: bool
) -> PhaseBoard:
    """The project's phases in order, each with `.task_rows` in order. The choices for the
    edit controls (members, categories, the library) load only for an editor."""
    require_module(actor)
    phases = list(
        Phase.objects.filter(workspace=workspace, project=project)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=with_task_details(
                    Task.objects.filter(workspace=workspace).order_by("position", "pk")
                ),
                to_attr="task_rows",
            )
        )
    )
    members, categories, commons = [], [], []
    if for_editing:
        members = project_member_users(project=project)
        categories = task_categories(workspace=workspace)
        commons = list(
            CommonTask.objects.filter(workspace=workspace)
            .select_related("category")
            .order_by("title", "pk")[:500]
        )
    return PhaseBoard(phases=phases, members=members, categories=categories, common_tasks=commons)
