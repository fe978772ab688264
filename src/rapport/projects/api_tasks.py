"""API for phases, tasks and the common-task library. Parse, call, serialise.

Every path is a 404 with the projects module off, and for another workspace's ids.
Reading needs only workspace membership (projects are the team's); writing needs
membership of the project or the admin role (403), except the library, which every
staff member keeps.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.core.api import Id, PageParams
from rapport.core.errors import Invalid
from rapport.core.models import Membership
from rapport.core.pagination import keyset_page
from rapport.projects import selectors
from rapport.projects import selectors_tasks as reads
from rapport.projects.access import require_module
from rapport.projects.models import CommonTask, Phase, Task
from rapport.projects.services import tasks as services

router = Router(tags=["projects"])


def _actor(request: HttpRequest) -> Membership:
    actor = request.membership
    require_module(actor)
    return actor


# --- schemas ------------------------------------------------------------------------------


class PhaseOut(Schema):
    id: int
    name: str
    position: int
    minutes_total: int


class PhasePage(Schema):
    items: list[PhaseOut]
    next: str | None


class PhaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None


class PhasePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    # Move the phase to this index (0 is first; larger than the last moves it last).
    position: int | None = Field(None, ge=0, le=2**31 - 1)


class DeleteParams(Schema):
    # Needed to delete a phase that still has tasks (they go with it).
    confirm: bool = False


class TaskOut(Schema):
    id: int
    project_id: int
    phase_id: int
    title: str
    description: str
    category_id: int | None
    status: Literal["todo", "in_progress", "done"]
    priority: Literal["low", "normal", "high"]
    assignee_ids: list[int]
    due_date: dt.date | None
    position: int
    minutes_total: int


class TaskPage(Schema):
    items: list[TaskOut]
    next: str | None


class TaskItems(Schema):
    items: list[TaskOut]


class TaskIn(Schema):
    """Create: `phase_id` and `title` are required; update: any subset."""

    model_config = ConfigDict(extra="forbid")

    phase_id: Id | None = None
    title: str | None = None
    description: str | None = None
    category_id: Id | None = None
    status: Literal["todo", "in_progress", "done"] | None = None
    priority: Literal["low", "normal", "high"] | None = None
    assignee_ids: list[Id] | None = None
    due_date: dt.date | None = None
    position: int | None = Field(None, ge=0, le=2**31 - 1)


class TaskQuery(PageParams):
    project: Id | None = None
    phase: Id | None = None
    assignee: str | None = Field(None, description="A user id, or `me` for the caller.")
    status: Literal["todo", "in_progress", "done"] | None = None
    category: Id | None = None
    due_before: dt.date | None = Field(
        None, description="Tasks due strictly before this day (YYYY-MM-DD)."
    )


class CommonTaskOut(Schema):
    id: int
    title: str
    description: str
    category_id: int | None
    estimate_minutes: int | None


class CommonTaskPage(Schema):
    items: list[CommonTaskOut]
    next: str | None


class CommonTaskIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    description: str | None = None
    category_id: Id | None = None
    estimate_minutes: int | None = None


class AddCommonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Optional in the schema so that the service names the missing list in its own words.
    common_task_ids: list[Id] | None = None


def _phase_out(phase: Phase) -> dict:
    return {
        "id": phase.pk,
        "name": phase.name,
        "position": phase.position,
        "minutes_total": phase.minutes_total,
    }


def _task_out(task: Task) -> dict:
    return {
        "id": task.pk,
        "project_id": task.project_id,
        "phase_id": task.phase_id,
        "title": task.title,
        "description": task.description,
        "category_id": task.category_id,
        "status": task.status,
        "priority": task.priority,
        "assignee_ids": [a.user_id for a in task.assignments.all()],
        "due_date": task.due_date,
        "position": task.position,
        "minutes_total": task.minutes_total,
    }


def _common_out(common: CommonTask) -> dict:
    return {
        "id": common.pk,
        "title": common.title,
        "description": common.description,
        "category_id": common.category_id,
        "estimate_minutes": common.estimate_minutes,
    }


def _task_fresh(actor: Membership, task_id: int) -> dict:
    return _task_out(reads.task_detail(workspace=actor.workspace, actor=actor, task_id=task_id))


# --- phases -------------------------------------------------------------------------------


@router.get("/projects/{project_id}/phases", response=PhasePage)
def phases_list(request, project_id: Id, params: Query[PageParams]):
    """The project's phases in order (a project has few, but the list pages like every
    other)."""
    actor = _actor(request)
    phases = reads.phase_list(workspace=actor.workspace, actor=actor, project_id=project_id)
    page = keyset_page(phases, order=("position", "id"), limit=params.limit, cursor=params.cursor)
    return {"items": [_phase_out(p) for p in page.items], "next": page.next}


@router.post("/projects/{project_id}/phases", response={201: PhaseOut})
def phases_create(request, project_id: Id, payload: PhaseIn):
    """A phase at the end of the project's phases."""
    actor = _actor(request)
    phase = services.create_phase(
        workspace=actor.workspace,
        actor=actor,
        project_id=project_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return Status(201, _phase_out(phase))


@router.get("/projects/{project_id}/phases/{phase_id}", response=PhaseOut)
def phases_get(request, project_id: Id, phase_id: Id):
    actor = _actor(request)
    phase = selectors.phase_get(
        workspace=actor.workspace, actor=actor, project_id=project_id, phase_id=phase_id
    )
    return _phase_out(phase)


@router.patch("/projects/{project_id}/phases/{phase_id}", response=PhaseOut)
def phases_update(request, project_id: Id, phase_id: Id, payload: PhasePatch):
    """Rename (`name`) and/or move (`position`, the index among the phases)."""
    actor = _actor(request)
    data = payload.model_dump(exclude_unset=True)
    if "name" in data:
        services.update_phase(
            workspace=actor.workspace,
            actor=actor,
            project_id=project_id,
            phase_id=phase_id,
            data={"name": data["name"]},
        )
    if data.get("position") is not None:
        services.move_phase(
            workspace=actor.workspace,
            actor=actor,
            project_id=project_id,
            phase_id=phase_id,
            to=data["position"],
        )
    return phases_get(request, project_id, phase_id)


@router.delete("/projects/{project_id}/phases/{phase_id}", response={204: None})
def phases_delete(request, project_id: Id, phase_id: Id, params: Query[DeleteParams]):
    """Delete a phase; one with tasks needs `?confirm=true` (else 409), and its tasks go
    with it."""
    actor = _actor(request)
    services.delete_phase(
        workspace=actor.workspace,
        actor=actor,
        project_id=project_id,
        phase_id=phase_id,
        confirm=params.confirm,
    )
    return Status(204, None)


@router.post("/projects/{project_id}/phases/{phase_id}/common-tasks", response={201: TaskItems})
def phases_add_common(request, project_id: Id, phase_id: Id, payload: AddCommonIn):
    """One new task per common task, at the end of the phase, in the order given."""
    actor = _actor(request)
    tasks = services.add_common_tasks(
        workspace=actor.workspace,
        actor=actor,
        project_id=project_id,
        phase_id=phase_id,
        common_task_ids=payload.common_task_ids,
    )
    fresh = reads.task_list(
        workspace=actor.workspace, actor=actor, filters=reads.TaskFilter(phase=phase_id)
    ).filter(pk__in=[t.pk for t in tasks])
    return Status(201, {"items": [_task_out(t) for t in fresh.order_by("position", "id")]})


# --- tasks --------------------------------------------------------------------------------


@router.get("/tasks", response=TaskPage)
def tasks_list(request, params: Query[TaskQuery]):
    """Tasks ordered by project, phase and position; filters combine with AND."""
    actor = _actor(request)
    assignee = None
    if params.assignee is not None:
        if params.assignee == "me":
            assignee = actor.user_id
        else:
            assignee = services.parse_id(params.assignee)
            if assignee is None:
                raise Invalid(_("Give a user id or “me”."), field="assignee")
    filters = reads.TaskFilter(
        project=params.project,
        phase=params.phase,
        assignee=assignee,
        status=params.status,
        category=params.category,
        due_before=params.due_before,
    )
    page = keyset_page(
        reads.task_list(workspace=actor.workspace, actor=actor, filters=filters),
        order=("project_id", "phase_id", "position", "id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_task_out(t) for t in page.items], "next": page.next}


@router.post("/tasks", response={201: TaskOut})
def tasks_create(request, payload: TaskIn):
    actor = _actor(request)
    task = services.create_task(
        workspace=actor.workspace, actor=actor, data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, _task_fresh(actor, task.pk))


@router.get("/tasks/{task_id}", response=TaskOut)
def tasks_get(request, task_id: Id):
    actor = _actor(request)
    return _task_fresh(actor, task_id)


@router.patch("/tasks/{task_id}", response=TaskOut)
def tasks_update(request, task_id: Id, payload: TaskIn):
    """Change the fields sent. `phase_id` moves the task to another phase of the same
    project, its minutes with it; `position` reorders it within its phase."""
    actor = _actor(request)
    task = services.update_task(
        workspace=actor.workspace,
        actor=actor,
        task_id=task_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return _task_fresh(actor, task.pk)


@router.delete("/tasks/{task_id}", response={204: None})
def tasks_delete(request, task_id: Id):
    actor = _actor(request)
    services.delete_task(workspace=actor.workspace, actor=actor, task_id=task_id)
    return Status(204, None)


# --- common tasks -------------------------------------------------------------------------


@router.get("/common-tasks", response=CommonTaskPage)
def common_tasks_list(request, params: Query[PageParams]):
    """The workspace's library of task templates by title."""
    actor = _actor(request)
    page = keyset_page(
        reads.common_task_list(workspace=actor.workspace, actor=actor),
        order=("title", "id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_common_out(c) for c in page.items], "next": page.next}


@router.post("/common-tasks", response={201: CommonTaskOut})
def common_tasks_create(request, payload: CommonTaskIn):
    actor = _actor(request)
    common = services.create_common_task(
        workspace=actor.workspace, actor=actor, data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, _common_out(common))


@router.get("/common-tasks/{common_task_id}", response=CommonTaskOut)
def common_tasks_get(request, common_task_id: Id):
    actor = _actor(request)
    return _common_out(
        reads.common_task_get(workspace=actor.workspace, actor=actor, common_task_id=common_task_id)
    )


@router.patch("/common-tasks/{common_task_id}", response=CommonTaskOut)
def common_tasks_update(request, common_task_id: Id, payload: CommonTaskIn):
    actor = _actor(request)
    common = services.update_common_task(
        workspace=actor.workspace,
        actor=actor,
        common_task_id=common_task_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return _common_out(common)


@router.delete("/common-tasks/{common_task_id}", response={204: None})
def common_tasks_delete(request, common_task_id: Id):
    actor = _actor(request)
    services.delete_common_task(
        workspace=actor.workspace, actor=actor, common_task_id=common_task_id
    )
    return Status(204, None)
