"""Every write to phases, tasks and the common-task library.

Phases and tasks change only through a project's members or an admin
(`access.require_editor`); the common-task library is the team's, so every staff member
of the workspace may add to it, change it and remove from it (each change is recorded).

Row locks follow one order everywhere: task, then phase(s) in pk order, then project —
the order in which a task update adds its minutes — so two writers never wait on each
other in a circle. Minutes move with F() so a concurrent update's minutes are never lost.
"""

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Errors, Invalid, NotFound
from rapport.core.models import Category, Membership, Workspace
from rapport.customers.services._common import id_list, parse_id
from rapport.projects import access
from rapport.projects.activity import record
from rapport.projects.models import (
    CommonTask,
    Phase,
    Project,
    ProjectMember,
    Task,
    TaskAssignee,
    TaskPriority,
    TaskStatus,
)

CATEGORY_KIND = "task-categories"
MAX_NAME = 200
MAX_DESCRIPTION = 20_000
MAX_ESTIMATE = 100_000
MAX_IDS = 100
UNSET = object()


# --- validation ---------------------------------------------------------------------------


def _text(errors: Errors, data: dict, name: str, max_length: int, *, one_line: bool) -> Any:
    """The trimmed string, or UNSET when absent or wrong (the error is noted)."""
    if name not in data:
        return UNSET
    value = data[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("Enter text."))
        return UNSET
    value = value.strip()
    if len(value) > max_length:
        errors.add(name, _("Use at most %(n)d characters.") % {"n": max_length})
        return UNSET
    allowed = "" if one_line else "\n\r\t"
    if not value.isprintable() and any(
        unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value
    ):
        errors.add(name, _("Remove the control characters."))
        return UNSET
    return value


def _required_text(errors: Errors, data: dict, name: str, *, creating: bool, message: str) -> Any:
    value = _text(errors, data, name, MAX_NAME, one_line=True)
    if value == "" or (creating and name not in data):
        errors.add(name, message)
        return UNSET
    return value


def _category(errors: Errors, workspace: Workspace, data: dict) -> Any:
    """A task category of the workspace, None when cleared, UNSET when absent or wrong."""
    if "category_id" not in data:
        return UNSET
    raw = data["category_id"]
    if raw is None or raw == "":
        return None
    pk = parse_id(raw)
    found = (
        Category.objects.filter(workspace=workspace, kind=CATEGORY_KIND, pk=pk).first()
        if pk
        else None
    )
    if found is None:
        errors.add("category_id", _("Choose one of the workspace's task categories."))
        return UNSET
    return found


def _choice(errors: Errors, data: dict, name: str, choices) -> Any:
    if name not in data:
        return UNSET
    value = data[name]
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        errors.add(name, _("Choose one of: %(allowed)s.") % {"allowed": allowed})
        return UNSET
    return value


def _date(errors: Errors, data: dict, name: str) -> Any:
    if name not in data:
        return UNSET
    value = data[name]
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(name, _("Enter a date as YYYY-MM-DD."))
    return UNSET


def _position(errors: Errors, data: dict, name: str = "position") -> Any:
    if name not in data or data[name] is None:
        return UNSET
    value = data[name]
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        errors.add(name, _("Enter a position of 0 or more."))
        return UNSET
    return value


def _assignees(errors: Errors, project: Project | None, data: dict) -> list[int] | None:
    """The user ids to assign: only the project's members may be (None: no project known,
    so only the shape is judged)."""
    ids = id_list(errors, data, "assignee_ids", limit=MAX_IDS)
    if not ids or project is None:
        return ids
    members = set(
        ProjectMember.objects.filter(
            workspace_id=project.workspace_id, project=project, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    strangers = [str(pk) for pk in ids if pk not in members]
    if strangers:
        errors.add(
            "assignee_ids",
            ngettext(
                "Only the project's members can be assigned; user %(ids)s is not one.",
                "Only the project's members can be assigned; users %(ids)s are not.",
                len(strangers),
            )
            % {"ids": ", ".join(strangers)},
        )
        return None
    return ids


# --- shared steps -------------------------------------------------------------------------


def _project(workspace: Workspace, actor: Membership, project_id: Any) -> Project:
    """The project to change: 404 for a missing or foreign id, 403 for a non-editor."""
    access.require_module(actor)
    pk = parse_id(project_id)
    project = (
        Project.objects.select_related("company").filter(workspace=workspace, pk=pk).first()
        if pk
        else None
    )
    if project is None:
        raise NotFound(_("Project not found."))
    access.require_editor(actor, project)
    return project


def _phase_locked(workspace: Workspace, project: Project, phase_id: Any) -> Phase:
    pk = parse_id(phase_id)
    phase = (
        Phase.objects.select_for_update()
        .filter(workspace=workspace, project=project, pk=pk)
        .first()
        if pk
        else None
    )
    if phase is None:
        raise NotFound(_("Phase not found."))
    return phase


def _task_locked(workspace: Workspace, actor: Membership, task_id: Any) -> Task:
    access.require_module(actor)
    pk = parse_id(task_id)
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("project", "project__company", "phase")
        .filter(workspace=workspace, pk=pk)
        .first()
        if pk
        else None
    )
    if task is None:
        raise NotFound(_("Task not found."))
    access.require_editor(actor, task.project)
    return task


def _renumber(model, rows: list, *, exclude_pk: int | None = None) -> None:
    """Positions 0..n-1 in the given order, writing only the rows that change (the row
    `exclude_pk` is the caller's to save)."""
    changed = []
    for index, row in enumerate(rows):
        if row.position != index and row.pk != exclude_pk:
            row.position = index
            changed.append(row)
    if changed:
        model.objects.bulk_update(changed, ["position"])


def _minus(amount: int):
    # Totals never go below zero, even if an old row was counted wrongly.
    return Greatest(F("minutes_total") - Value(amount), Value(0))


def _next_position(queryset) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


# --- phases -------------------------------------------------------------------------------


def _phase_name(errors: Errors, data: dict, *, creating: bool) -> Any:
    return _required_text(errors, data, "name", creating=creating, message=_("Name the phase."))


def create_phase(*, workspace: Workspace, actor: Membership, project_id: int, data: dict) -> Phase:
    """A new phase at the end of the project's phases."""
    project = _project(workspace, actor, project_id)
    errors = Errors()
    name = _phase_name(errors, data, creating=True)
    errors.raise_if_any()
    with transaction.atomic():
        position = _next_position(Phase.objects.filter(workspace=workspace, project=project))
        phase = Phase.objects.create(
            workspace=workspace, project=project, name=name, position=position
        )
        record(
            actor=actor,
            project=project,
            verb="phase.created",
            summary=_("Phase “%(name)s” added") % {"name": name},
        )
    return phase


def update_phase(
    *, workspace: Workspace, actor: Membership, project_id: int, phase_id: int, data: dict
) -> Phase:
    """Rename a phase (its only editable field; order changes through `move_phase`)."""
    project = _project(workspace, actor, project_id)
    errors = Errors()
    name = _phase_name(errors, data, creating=False)
    errors.raise_if_any()
    with transaction.atomic():
        phase = _phase_locked(workspace, project, phase_id)
        if name is UNSET or name == phase.name:
            return phase
        old, phase.name = phase.name, name
        phase.save(update_fields=["name"])
        record(
            actor=actor,
            project=project,
            verb="phase.updated",
            summary=_("Phase “%(old)s” renamed to “%(new)s”") % {"old": old, "new": name},
            changes={"name": [old, name]},
        )
    return phase


def move_phase(
    *,
    workspace: Workspace,
    actor: Membership,
    project_id: int,
    phase_id: int,
    direction: str | None = None,
    to: int | None = None,
) -> Phase:
    """Move a phase one place "up" or "down", or `to` an index (clamped to the ends)."""
    project = _project(workspace, actor, project_id)
    if (direction is None) == (to is None) or direction not in (None, "up", "down"):
        raise Invalid(_("Say “up”, “down” or the position to move to."), field="position")
    if to is not None and (isinstance(to, bool) or not isinstance(to, int) or to < 0):
        raise Invalid(_("Enter a position of 0 or more."), field="position")
    with transaction.atomic():
        # Every phase of the project, locked in pk order: the renumbering reads them all.
        locked = list(
            Phase.objects.select_for_update()
            .filter(workspace=workspace, project=project)
            .order_by("pk")
        )
        phases = sorted(locked, key=lambda p: (p.position, p.pk))
        pk = parse_id(phase_id)
        phase = next((p for p in phases if p.pk == pk), None)
        if phase is None:
            raise NotFound(_("Phase not found."))
        at = phases.index(phase)
        if to is None:
            to = at - 1 if direction == "up" else at + 1
        to = max(0, min(to, len(phases) - 1))
        if to == at:
            return phase
        phases.pop(at)
        phases.insert(to, phase)
        _renumber(Phase, phases)
        record(
            actor=actor,
            project=project,
            verb="phase.moved",
            summary=_("Phase “%(name)s” moved") % {"name": phase.name},
            changes={"position": [at, to]},
        )
    return phase


def delete_phase(
    *,
    workspace: Workspace,
    actor: Membership,
    project_id: int,
    phase_id: int,
    confirm: bool = False,
) -> None:
    """Delete a phase. One with tasks goes only with `confirm`, taking its tasks, their
    updates and its minutes (subtracted from the project's total) with it."""
    project = _project(workspace, actor, project_id)
    with transaction.atomic():
        # Rows are locked task, phase, project, as an update adding minutes does: the
        # other order deadlocks against it on PostgreSQL.
        if pk := parse_id(phase_id):
            list(
                Task.objects.select_for_update()
                .filter(workspace=workspace, project=project, phase_id=pk)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        phase = _phase_locked(workspace, project, phase_id)
        count = Task.objects.filter(workspace=workspace, phase=phase).count()
        if count and not confirm:
            raise Conflict(
                ngettext(
                    "Phase “%(name)s” has %(count)d task: deleting it deletes the task too. "
                    "Confirm to delete both.",
                    "Phase “%(name)s” has %(count)d tasks: deleting it deletes them too. "
                    "Confirm to delete all of them.",
                    count,
                )
                % {"name": phase.name, "count": count},
                code="phase_not_empty",
            )
        minutes = phase.minutes_total
        phase.delete()
        if minutes:
            Project.objects.filter(workspace=workspace, pk=project.pk).update(
                minutes_total=_minus(minutes)
            )
        # Close the gap so positions stay 0..n-1.
        _renumber(
            Phase,
            list(
                Phase.objects.filter(workspace=workspace, project=project).order_by(
                    "position", "pk"
                )
            ),
        )
        record(
            actor=actor,
            project=project,
            verb="phase.deleted",
            summary=ngettext(
                "Phase “%(name)s” deleted with %(count)d task",
                "Phase “%(name)s” deleted with %(count)d tasks",
                count,
            )
            % {"name": phase.name, "count": count},
            changes={"name": [phase.name, None], "minutes_total": [minutes, None]},
        )


# --- tasks --------------------------------------------------------------------------------


def _clean_task(
    errors: Errors, workspace: Workspace, project: Project | None, data: dict, *, creating: bool
) -> tuple[dict, list[int] | None]:
    """The field values to write (only those present in `data`) and the assignees."""
    values: dict[str, Any] = {}
    title = _required_text(
        errors, data, "title", creating=creating, message=_("Give the task a title.")
    )
    if title is not UNSET:
        values["title"] = title
    description = _text(errors, data, "description", MAX_DESCRIPTION, one_line=False)
    if description is not UNSET:
        values["description"] = description
    category = _category(errors, workspace, data)
    if category is not UNSET:
        values["category"] = category
    for name, choices in (("status", TaskStatus), ("priority", TaskPriority)):
        value = _choice(errors, data, name, choices)
        if value is not UNSET:
            values[name] = value
    due = _date(errors, data, "due_date")
    if due is not UNSET:
        values["due_date"] = due
    assignees = _assignees(errors, project, data)
    return values, assignees


def _set_assignees(task: Task, new: list[int], old: list[int]) -> None:
    gone = set(old) - set(new)
    if gone:
        TaskAssignee.objects.filter(task=task, user_id__in=gone).delete()
    TaskAssignee.objects.bulk_create(
        [
            TaskAssignee(workspace_id=task.workspace_id, task=task, user_id=pk)
            for pk in new
            if pk not in old
        ]
    )


def _task_phase(errors: Errors, workspace: Workspace, raw: Any) -> Phase | None:
    pk = parse_id(raw)
    phase = (
        Phase.objects.select_related("project", "project__company")
        .filter(workspace=workspace, pk=pk)
        .first()
        if pk
        else None
    )
    if phase is None:
        errors.add("phase_id", _("Choose a phase of the project."))
    return phase


def create_task(*, workspace: Workspace, actor: Membership, data: dict) -> Task:
    """A task in the phase `data["phase_id"]` (and so in that phase's project), at the
    end of the phase unless `position` says where."""
    access.require_module(actor)
    errors = Errors()
    phase = _task_phase(errors, workspace, data.get("phase_id"))
    if phase is None:
        # Report the other fields too, judged without a project (assignees need one).
        _clean_task(errors, workspace, None, data, creating=True)
        errors.raise_if_any()
    project = phase.project
    access.require_editor(actor, project)
    values, assignees = _clean_task(errors, workspace, project, data, creating=True)
    position = _position(errors, data)
    errors.raise_if_any()
    with transaction.atomic():
        phase = _phase_locked(workspace, project, phase.pk)
        siblings = list(
            Task.objects.filter(workspace=workspace, phase=phase).order_by("position", "pk")
        )
        task = Task.objects.create(
            workspace=workspace,
            project=project,
            phase=phase,
            created_by=actor.user,
            position=len(siblings),
            **values,
        )
        if position is not UNSET and position < len(siblings):
            siblings.insert(position, task)
            _renumber(Task, siblings)
        _set_assignees(task, assignees or [], [])
        record(
            actor=actor,
            project=project,
            verb="task.created",
            summary=_("Task “%(title)s” added to “%(phase)s”")
            % {"title": task.title, "phase": phase.name},
        )
    return task


def update_task(*, workspace: Workspace, actor: Membership, task_id: int, data: dict) -> Task:
    """Change the keys present in `data`. `phase_id` moves the task to another phase of
    the same project (with its minutes); `position` reorders it within its phase."""
    with transaction.atomic():
        task = _task_locked(workspace, actor, task_id)
        project = task.project
        errors = Errors()
        values, assignees = _clean_task(errors, workspace, project, data, creating=False)
        position = _position(errors, data)
        target = None
        if "phase_id" in data:
            pk = parse_id(data["phase_id"])
            if pk != task.phase_id:
                target = (
                    Phase.objects.filter(workspace=workspace, project=project, pk=pk).first()
                    if pk
                    else None
                )
                if target is None:
                    errors.add("phase_id", _("Choose a phase of the same project."))
        errors.raise_if_any()

        changes = {
            name: [getattr(task, name), value]
            for name, value in values.items()
            if getattr(task, name) != value
        }
        if "category" in changes:
            changes["category_id"] = [getattr(c, "pk", None) for c in changes.pop("category")]
        old_assignees = list(
            TaskAssignee.objects.filter(task=task).order_by("pk").values_list("user_id", flat=True)
        )
        if assignees is not None and set(assignees) != set(old_assignees):
            changes["assignee_ids"] = [old_assignees, assignees]
        old_phase = task.phase
        if target is not None:
            _move_to_phase(workspace, task, target, position)
            changes["phase_id"] = [old_phase.pk, target.pk]
        elif position is not UNSET:
            moved = _reorder(workspace, task, position)
            if moved is not None:
                changes["position"] = moved
        if not changes:
            return task
        for name, value in values.items():
            setattr(task, name, value)
        task.version += 1
        task.save(update_fields=[*values, "phase", "position", "version", "updated_at"])
        if assignees is not None:
            _set_assignees(task, assignees, old_assignees)
        record(
            actor=actor,
            project=project,
            verb="task.updated",
            summary=_("Task “%(title)s” changed") % {"title": task.title},
            changes=changes,
        )
    return task


def _move_to_phase(workspace: Workspace, task: Task, target: Phase, position: Any) -> None:
    """Put `task` into `target` (end, or `position`) and carry its minutes across."""
    old = task.phase
    first, second = sorted([old.pk, target.pk])
    # Both phases locked in pk order (after the task: the lock order of minute updates).
    locked = {
        p.pk: p
        for p in Phase.objects.select_for_update().filter(
            workspace=workspace, pk__in=[first, second]
        )
    }
    target = locked[target.pk]
    siblings = list(
        Task.objects.filter(workspace=workspace, phase=target).order_by("position", "pk")
    )
    at = len(siblings) if position is UNSET else min(position, len(siblings))
    siblings.insert(at, task)
    task.phase = target
    task.position = at
    _renumber(Task, siblings, exclude_pk=task.pk)
    _renumber(
        Task,
        list(
            Task.objects.filter(workspace=workspace, phase_id=old.pk)
            .exclude(pk=task.pk)
            .order_by("position", "pk")
        ),
    )
    minutes = task.minutes_total
    if minutes:
        Phase.objects.filter(pk=old.pk).update(minutes_total=_minus(minutes))
        Phase.objects.filter(pk=target.pk).update(minutes_total=F("minutes_total") + minutes)


def _reorder(workspace: Workspace, task: Task, position: int) -> list[int] | None:
    """Move `task` to index `position` within its phase; [old, new] or None if unmoved."""
    Phase.objects.select_for_update().filter(pk=task.phase_id).first()
    siblings = list(
        Task.objects.filter(workspace=workspace, phase_id=task.phase_id).order_by("position", "pk")
    )
    at = next(i for i, t in enumerate(siblings) if t.pk == task.pk)
    to = min(position, len(siblings) - 1)
    if to == at:
        return None
    siblings.insert(to, siblings.pop(at))
    _renumber(Task, siblings, exclude_pk=task.pk)
    task.position = to
    return [at, to]


def move_task(*, workspace: Workspace, actor: Membership, task_id: int, direction: str) -> Task:
    """One place up or down within its phase (the keyboard's way to reorder)."""
    if direction not in ("up", "down"):
        raise Invalid(_("Say “up” or “down”."), field="position")
    with transaction.atomic():
        task = _task_locked(workspace, actor, task_id)
        siblings = list(
            Task.objects.filter(workspace=workspace, phase_id=task.phase_id)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        )
        at = siblings.index(task.pk)
        to = at - 1 if direction == "up" else at + 1
        if not 0 <= to < len(siblings):
            return task
        return update_task(workspace=workspace, actor=actor, task_id=task.pk, data={"position": to})


def delete_task(*, workspace: Workspace, actor: Membership, task_id: int) -> None:
    """Delete a task with its updates; its minutes leave the phase's and project's totals."""
    with transaction.atomic():
        task = _task_locked(workspace, actor, task_id)
        project, phase, minutes = task.project, task.phase, task.minutes_total
        task.delete()
        if minutes:
            Phase.objects.filter(workspace=workspace, pk=phase.pk).update(
                minutes_total=_minus(minutes)
            )
            Project.objects.filter(workspace=workspace, pk=project.pk).update(
                minutes_total=_minus(minutes)
            )
        record(
            actor=actor,
            project=project,
            verb="task.deleted",
            summary=_("Task “%(title)s” deleted") % {"title": task.title},
            changes={"title": [task.title, None], "minutes_total": [minutes, None]},
        )


# --- common tasks -------------------------------------------------------------------------


def _estimate(errors: Errors, data: dict) -> Any:
    if "estimate_minutes" not in data:
        return UNSET
    value = data["estimate_minutes"]
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ESTIMATE:
        errors.add(
            "estimate_minutes",
            _("Enter whole minutes from 0 to %(max)d, or leave it empty.") % {"max": MAX_ESTIMATE},
        )
        return UNSET
    return value


def _clean_common(errors: Errors, workspace: Workspace, data: dict, *, creating: bool) -> dict:
    values: dict[str, Any] = {}
    title = _required_text(
        errors, data, "title", creating=creating, message=_("Give the common task a title.")
    )
    if title is not UNSET:
        values["title"] = title
    description = _text(errors, data, "description", MAX_DESCRIPTION, one_line=False)
    if description is not UNSET:
        values["description"] = description
    category = _category(errors, workspace, data)
    if category is not UNSET:
        values["category"] = category
    estimate = _estimate(errors, data)
    if estimate is not UNSET:
        values["estimate_minutes"] = estimate
    return values


def _common_locked(workspace: Workspace, common_task_id: Any) -> CommonTask:
    pk = parse_id(common_task_id)
    found = (
        CommonTask.objects.select_for_update().filter(workspace=workspace, pk=pk).first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("Common task not found."))
    return found


def _record_common(actor: Membership, verb: str, common: CommonTask, changes: dict) -> None:
    record_activity(
        workspace=actor.workspace,
        actor=actor,
        verb=verb,
        target=common,
        target_type="common_task",
        summary=common.title,
        changes=changes,
    )


def create_common_task(*, workspace: Workspace, actor: Membership, data: dict) -> CommonTask:
    """A new template in the workspace's library (any staff member may add one)."""
    access.require_module(actor)
    errors = Errors()
    values = _clean_common(errors, workspace, data, creating=True)
    errors.raise_if_any()
    with transaction.atomic():
        common = CommonTask.objects.create(workspace=workspace, **values)
        _record_common(actor, "common_task.created", common, {"title": [None, common.title]})
    return common


def update_common_task(
    *, workspace: Workspace, actor: Membership, common_task_id: int, data: dict
) -> CommonTask:
    access.require_module(actor)
    with transaction.atomic():
        common = _common_locked(workspace, common_task_id)
        errors = Errors()
        values = _clean_common(errors, workspace, data, creating=False)
        errors.raise_if_any()
        changes = {n: [getattr(common, n), v] for n, v in values.items() if getattr(common, n) != v}
        if not changes:
            return common
        if "category" in changes:
            changes["category_id"] = [getattr(c, "pk", None) for c in changes.pop("category")]
        for name, value in values.items():
            setattr(common, name, value)
        common.save(update_fields=list(values))
        _record_common(actor, "common_task.updated", common, changes)
    return common


def delete_common_task(*, workspace: Workspace, actor: Membership, common_task_id: int) -> None:
    """Remove a template; tasks made from it stay as they are."""
    access.require_module(actor)
    with transaction.atomic():
        common = _common_locked(workspace, common_task_id)
        _record_common(actor, "common_task.deleted", common, {"title": [common.title, None]})
        common.delete()


def add_common_tasks(
    *,
    workspace: Workspace,
    actor: Membership,
    project_id: int,
    phase_id: int,
    common_task_ids: Any,
) -> list[Task]:
    """New tasks at the end of the phase, one per template in the order given (title,
    description and category copied). All or nothing: one unknown id creates none."""
    project = _project(workspace, actor, project_id)
    errors = Errors()
    ids = id_list(errors, {"common_task_ids": common_task_ids}, "common_task_ids", limit=MAX_IDS)
    if not errors.items and not ids:
        errors.add("common_task_ids", _("Choose at least one common task."))
    errors.raise_if_any()
    found = {c.pk: c for c in CommonTask.objects.filter(workspace=workspace, pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise Invalid(
            _("These common tasks do not exist: %(ids)s.") % {"ids": ", ".join(missing)},
            field="common_task_ids",
        )
    with transaction.atomic():
        phase = _phase_locked(workspace, project, phase_id)
        start = _next_position(Task.objects.filter(workspace=workspace, phase=phase))
        tasks = Task.objects.bulk_create(
            [
                Task(
                    workspace=workspace,
                    project=project,
                    phase=phase,
                    title=found[pk].title,
                    description=found[pk].description,
                    category_id=found[pk].category_id,
                    created_by=actor.user,
                    position=start + i,
                )
                for i, pk in enumerate(ids)
            ]
        )
        if any(t.pk is None for t in tasks):
            # Backends that cannot return ids from a bulk insert (none we support today).
            tasks = list(
                Task.objects.filter(phase=phase, position__gte=start).order_by("position", "pk")
            )
        record(
            actor=actor,
            project=project,
            verb="task.created",
            summary=ngettext(
                "%(count)d common task added to “%(phase)s”: %(titles)s",
                "%(count)d common tasks added to “%(phase)s”: %(titles)s",
                len(tasks),
            )
            % {
                "count": len(tasks),
                "phase": phase.name,
                "titles": ", ".join(t.title for t in tasks),
            },
        )
    return tasks
