"""Reads behind My tasks and the task board: bounded, keyset-paged, fixed query counts.

Orders (documented here because the pages and the cursor both depend on them):
- My tasks: due date (soonest first, undated last), then priority (high first), then id.
- A board column: priority (high first), then due date (soonest first, undated last),
  then id. Moving a card changes its status only, so this order decides where it lands.

Undated tasks sort last through a far-future stand-in date, so every sort key is
non-null and the keyset cursor stays one row-value comparison.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, DateField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid, NotFound
from rapport.core.models import Category, Membership, User, Workspace
from rapport.core.pagination import Page, keyset_page
from rapport.projects.access import require_module
from rapport.projects.models import Project, Task, TaskAssignee, TaskPriority, TaskStatus

NO_DUE = dt.date(9999, 12, 31)
MY_TASKS_ORDER = ("due_key", "priority_rank", "id")
BOARD_ORDER = ("priority_rank", "due_key", "id")
# Cards per column and per "show more": the board never loads unbounded rows.
BOARD_COLUMN_CAP = 100

STATUS_FILTERS = ("open", "todo", "in_progress", "done", "all")
DUE_FILTERS = ("overdue", "this_week")


def _ranked(queryset: QuerySet[Task]) -> QuerySet[Task]:
    return queryset.annotate(
        priority_rank=Case(
            When(priority=TaskPriority.HIGH, then=Value(0)),
            When(priority=TaskPriority.NORMAL, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        due_key=Coalesce("due_date", Value(NO_DUE), output_field=DateField()),
    )


def _int(value) -> int | None:
    """A filter's id, or None for anything that is not a positive integer."""
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < len(value) <= 18:
        return int(value)
    return None


def week_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week holding `today`."""
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


# --- My tasks ---------------------------------------------------------------------------


@dataclass
class MyTasksFilters:
    """The page's filters, already cleaned: unknown values fall back to "any"."""

    status: str = "open"
    category: int | None = None
    project: int | None = None
    due: str = ""

    @classmethod
    def parse(cls, data) -> "MyTasksFilters":
        status = data.get("status") or "open"
        due = data.get("due") or ""
        return cls(
            status=status if status in STATUS_FILTERS else "open",
            category=_int(data.get("category")),
            project=_int(data.get("project")),
            due=due if due in DUE_FILTERS else "",
        )

    @property
    def narrowed(self) -> bool:
        return bool(self.status != "open" or self.category or self.project or self.due)


def task_viewer_user(*, workspace: Workspace, actor: Membership, user_id) -> User:
    """Whose tasks the actor may list: their own, or (admins only) any staff member's.

    A member asking for someone else's list gets a 404, as does an admin asking for a
    user who is not in the workspace: the "user task view" is an admin's tool, and a 404
    tells nobody else whether that person exists.
    """
    require_module(actor)
    wanted = _int(user_id) if user_id not in (None, "") else actor.user_id
    if wanted == actor.user_id:
        return actor.user
    if wanted is None or not actor.is_admin:
        raise NotFound(_("No such user."))
    membership = (
        Membership.objects.select_related("user")
        .filter(workspace=workspace, user_id=wanted)
        .first()
    )
    if membership is None:
        raise NotFound(_("No such user."))
    return membership.user


def my_tasks_page(
    *,
    workspace: Workspace,
    actor: Membership,
    user: User,
    filters: MyTasksFilters,
    cursor: str | None = None,
    limit: int | None = None,
    today: dt.date | None = None,
) -> Page:
    """One page of the tasks assigned to `user` (checked by `task_viewer_user`), with
    project, phase and category loaded: one query whatever the page holds."""
    require_module(actor)
    today = today or timezone.localdate()
    qs = Task.objects.filter(
        workspace=workspace,
        pk__in=TaskAssignee.objects.filter(workspace=workspace, user_id=user.pk).values("task_id"),
    )
    if filters.status == "open":
        qs = qs.exclude(status=TaskStatus.DONE)
    elif filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.due == "overdue":
        qs = qs.filter(due_date__lt=today).exclude(status=TaskStatus.DONE)
    elif filters.due == "this_week":
        monday, sunday = week_bounds(today)
        qs = qs.filter(due_date__gte=monday, due_date__lte=sunday)
    qs = _ranked(qs).select_related("project", "phase", "category")
    return keyset_page(qs, order=MY_TASKS_ORDER, limit=limit, cursor=cursor)


# --- The board --------------------------------------------------------------------------


@dataclass
class BoardFilters:
    project: int | None = None
    # "" anyone, "me" the viewer, or a user id (as text, as the select sends it).
    assignee: str = ""
    category: int | None = None

    @classmethod
    def parse(cls, data) -> "BoardFilters":
        assignee = data.get("assignee") or ""
        if assignee != "me":
            assignee = str(_int(assignee) or "")
        return cls(
            project=_int(data.get("project")),
            assignee=assignee,
            category=_int(data.get("category")),
        )

    @property
    def narrowed(self) -> bool:
        return bool(self.project or self.assignee or self.category)

    def query(self) -> dict[str, str]:
        out = {}
        if self.project:
            out["project"] = str(self.project)
        if self.assignee:
            out["assignee"] = self.assignee
        if self.category:
            out["category"] = str(self.category)
        return out


@dataclass
class Column:
    status: str
    label: str
    count: int
    cards: list[Task] = field(default_factory=list)
    next: str | None = None


def _board_queryset(
    *, workspace: Workspace, actor: Membership, filters: BoardFilters
) -> QuerySet[Task]:
    qs = Task.objects.filter(workspace=workspace)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.assignee:
        user_id = actor.user_id if filters.assignee == "me" else int(filters.assignee)
        qs = qs.filter(
            pk__in=TaskAssignee.objects.filter(workspace=workspace, user_id=user_id).values(
                "task_id"
            )
        )
    return qs


def _with_assignees(workspace: Workspace, cards: list[Task]) -> None:
    """Every card's assignees as `card.assignee_list`, in one query for all of them."""
    by_task: dict[int, list[User]] = {card.pk: [] for card in cards}
    if by_task:
        links = (
            TaskAssignee.objects.filter(workspace=workspace, task_id__in=list(by_task))
            .select_related("user")
            .order_by("user__name", "user__email", "user_id")
        )
        for link in links:
            by_task[link.task_id].append(link.user)
    for card in cards:
        card.assignee_list = by_task[card.pk]


def board_columns(
    *, workspace: Workspace, actor: Membership, filters: BoardFilters
) -> list[Column]:
    """The three columns, each with its full count and its first `BOARD_COLUMN_CAP`
    cards: five queries however many tasks there are."""
    require_module(actor)
    base = _board_queryset(workspace=workspace, actor=actor, filters=filters)
    counts = base.aggregate(
        **{s: Count("id", filter=Q(status=s)) for s in TaskStatus.values},
    )
    columns = []
    all_cards: list[Task] = []
    for status, label in TaskStatus.choices:
        page = _column_page(base, status=status, cursor=None)
        columns.append(Column(status, str(label), counts[status], page.items, page.next))
        all_cards.extend(page.items)
    _with_assignees(workspace, all_cards)
    return columns


def _column_page(base: QuerySet[Task], *, status: str, cursor: str | None) -> Page:
    qs = _ranked(base.filter(status=status)).select_related("project", "category")
    return keyset_page(qs, order=BOARD_ORDER, limit=BOARD_COLUMN_CAP, cursor=cursor)


def board_column_more(
    *, workspace: Workspace, actor: Membership, filters: BoardFilters, status: str, cursor: str
) -> Page:
    """The next cards of one column after `cursor` (a bad cursor or status is a 422)."""
    require_module(actor)
    if status not in TaskStatus.values:
        raise Invalid(_("Choose one of: to do, in progress, done."), field="status")
    base = _board_queryset(workspace=workspace, actor=actor, filters=filters)
    page = _column_page(base, status=status, cursor=cursor)
    _with_assignees(workspace, page.items)
    return page


# --- What the filters offer ---------------------------------------------------------------


def filter_projects(*, workspace: Workspace) -> list[Project]:
    """Projects for a filter select: active and on hold first, then done, by name."""
    return list(
        Project.objects.filter(workspace=workspace)
        .annotate(done_last=Case(When(status="done", then=Value(1)), default=Value(0)))
        .order_by("done_last", "name", "id")
        .only("id", "name", "status")[:500]
    )


def filter_categories(*, workspace: Workspace) -> list[Category]:
    return list(
        Category.objects.filter(workspace=workspace, kind="task-categories").order_by(
            "position", "id"
        )
    )


def filter_staff(*, workspace: Workspace) -> list[Membership]:
    return list(
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__name", "user__email", "id")
    )
