"""Project overviews as files: one project (a row per task) or all projects (a row each).

The files are written by the data export's own CSV and XLSX writers
(`rapport.dataio.exporting`), and every text cell goes through its `neutralise`, so a
task called "=cmd|..." reaches a spreadsheet as text, never as a formula. Counts and
minutes stay numbers.

Both exports resolve everything that can refuse (the module, the project) before they
return, and read the rows lazily in keyset chunks while the response streams: a project
with 100,000 tasks costs two queries per chunk, and memory holds one chunk.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.core.models import Membership, Workspace
from rapport.dataio.exporting import csv_response, neutralise, xlsx_response
from rapport.projects.models import (
    Phase,
    Project,
    ProjectMember,
    Task,
    TaskAssignee,
    TaskPriority,
    TaskStatus,
)
from rapport.projects.selectors import project_get, project_visible

FORMATS = ("csv", "xlsx")
CHUNK = 1000


def _cell(value: Any) -> Any:
    """Numbers stay numbers (Excel sums them); everything else is neutralised text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return neutralise(value)


class _Rows:
    """Rows the dataio writers take as they are: `neutralised` says the cells are safe."""

    neutralised = True

    def __init__(self, chunks: Iterator[list[list[Any]]]):
        self._chunks = chunks

    def batches(self) -> Iterator[list[list[Any]]]:
        for chunk in self._chunks:
            yield [[_cell(v) for v in row] for row in chunk]

    def __iter__(self):
        for batch in self.batches():
            yield from batch


@dataclass
class ProjectExport:
    fmt: str
    filename: str
    title: str
    header: list[str]
    rows: _Rows

    def response(self):
        if self.fmt == "xlsx":
            return xlsx_response(self.filename, self.header, self.rows, title=self.title)
        return csv_response(self.filename, self.header, self.rows)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Invalid(_("Choose CSV or Excel."), field="format")


# --- One project: a row per task --------------------------------------------------------


def _task_chunks(workspace: Workspace, project: Project) -> Iterator[list[list[Any]]]:
    statuses = dict(TaskStatus.choices)
    priorities = dict(TaskPriority.choices)
    phases = list(
        Phase.objects.filter(workspace=workspace, project=project)
        .order_by("position", "id")
        .values_list("id", "name", "minutes_total")
    )
    # A phase with no tasks still gets a row of its own, where it falls in the order.
    pending = iter(phases)
    current: tuple | None = None
    had_tasks = False

    def empty(phase: tuple) -> list[Any]:
        return [phase[1], "", "", "", "", "", "", "", phase[2]]

    def reach(phase_id: int) -> list[list[Any]]:
        """Step to `phase_id`, returning rows for the empty phases passed on the way."""
        nonlocal current, had_tasks
        passed = []
        while current is None or current[0] != phase_id:
            if current is not None and not had_tasks:
                passed.append(empty(current))
            current, had_tasks = next(pending, None), False
            if current is None:
                break
        return passed

    base = (
        Task.objects.filter(workspace=workspace, project=project)
        .annotate(phase_pos=F("phase__position"))
        .select_related("phase", "category")
    )
    order = ("phase_pos", "phase_id", "position", "id")
    after = None
    while True:
        qs = base.order_by(*order)
        if after is not None:
            qs = qs.filter(TupleGreaterThan(Tuple(*(F(f) for f in order)), after))
        tasks = list(qs[:CHUNK])
        if not tasks:
            break
        people: dict[int, list] = {t.pk: [] for t in tasks}
        for link in (
            TaskAssignee.objects.filter(workspace=workspace, task_id__in=list(people))
            .select_related("user")
            .order_by("user__name", "user__email", "user_id")
        ):
            people[link.task_id].append(link.user)
        rows: list[list[Any]] = []
        for task in tasks:
            rows.extend(reach(task.phase_id))
            had_tasks = True
            assignees = people[task.pk]
            rows.append(
                [
                    task.phase.name,
                    task.title,
                    task.category.name if task.category else "",
                    str(statuses.get(task.status, task.status)),
                    str(priorities.get(task.priority, task.priority)),
                    [u.display_name for u in assignees],
                    [u.email for u in assignees],
                    task.due_date,
                    task.minutes_total,
                ]
            )
        yield rows
        last = tasks[-1]
        after = (last.phase_pos, last.phase_id, last.position, last.pk)
        if len(tasks) < CHUNK:
            break
    tail = []
    if current is not None and not had_tasks:
        tail.append(empty(current))
    tail.extend(empty(phase) for phase in pending)
    if tail:
        yield tail


def project_export(
    *, workspace: Workspace, actor: Membership, project_id: int, fmt: str
) -> ProjectExport:
    """One project's overview: a row per task (phase, task, category, status, priority,
    assignees' names and emails, due date, minutes), phases in order, tasks in their
    order within a phase; a phase without tasks is one row with its name alone.

    Any staff member may download it (projects are visible to all staff); another
    workspace's project or the module off is a 404.
    """
    _check_format(fmt)
    project = project_get(workspace=workspace, actor=actor, project_id=project_id)
    name = slugify(project.name)[:60] or "project"
    day = timezone.localdate().isoformat()
    return ProjectExport(
        fmt=fmt,
        filename=f"project-{project.pk}-{name}-{day}.{fmt}",
        title=project.name,
        header=[
            _("Phase"),
            _("Task"),
            _("Category"),
            _("Status"),
            _("Priority"),
            _("Assignees"),
            _("Assignee emails"),
            _("Due date"),
            _("Minutes"),
        ],
        rows=_Rows(_task_chunks(workspace, project)),
    )


# --- All projects: a row each -----------------------------------------------------------


def _count(model, *, extra: Q | None = None) -> Coalesce:
    qs = model.objects.filter(project_id=OuterRef("pk"))
    if extra is not None:
        qs = qs.filter(extra)
    counted = qs.order_by().values("project_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _project_chunks(workspace: Workspace, actor: Membership) -> Iterator[list[list[Any]]]:
    statuses = dict(Project._meta.get_field("status").choices)
    base = (
        project_visible(workspace=workspace, actor=actor)
        .select_related("company")
        .annotate(
            members_count=_count(ProjectMember),
            tasks_count=_count(Task),
            done_count=_count(Task, extra=Q(status=TaskStatus.DONE)),
        )
    )
    order = ("name", "id")
    after = None
    while True:
        qs = base.order_by(*order)
        if after is not None:
            qs = qs.filter(TupleGreaterThan(Tuple(F("name"), F("id")), after))
        projects = list(qs[:CHUNK])
        if not projects:
            break
        yield [
            [
                p.pk,
                p.name,
                str(statuses.get(p.status, p.status)),
                p.company.name if p.company else "",
                p.members_count,
                p.tasks_count,
                p.done_count,
                p.minutes_total,
            ]
            for p in projects
        ]
        after = (projects[-1].name, projects[-1].pk)
        if len(projects) < CHUNK:
            break


def projects_export(*, workspace: Workspace, actor: Membership, fmt: str) -> ProjectExport:
    """Every project of the workspace, by name: id, name, status, company, members,
    tasks, tasks done and minutes spent."""
    _check_format(fmt)
    project_visible(workspace=workspace, actor=actor)  # the module check, before streaming
    day = timezone.localdate().isoformat()
    return ProjectExport(
        fmt=fmt,
        filename=f"projects-{day}.{fmt}",
        title=_("Projects"),
        header=[
            _("ID"),
            _("Name"),
            _("Status"),
            _("Company"),
            _("Members"),
            _("Tasks"),
            _("Done"),
            _("Minutes"),
        ],
        rows=_Rows(_project_chunks(workspace, actor)),
    )
