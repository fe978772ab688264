"""My tasks, the task board, and the project overview downloads.

The board moves cards through one endpoint (`board_move`) that both ways of moving use:
board.js posts to it on a drop and when the keyboard "Move to…" form is sent, and gets
the re-rendered columns back (or the refusal's message, with its status, to show inline
while the card goes back). Without JavaScript the same form posts the whole page and is
redirected back to the board with its filters.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Invalid, NotFound
from rapport.projects import selectors_board as board
from rapport.projects.exporting import project_export, projects_export
from rapport.projects.models import TaskStatus
from rapport.projects.services.board import task_move


def _not_found(exc: NotFound):
    return Http404(exc.message)


# --- My tasks ---------------------------------------------------------------------------


@require_GET
@workspace_view(module="projects")
def my_tasks(request):
    ws, actor = request.workspace, request.membership
    try:
        user = board.task_viewer_user(workspace=ws, actor=actor, user_id=request.GET.get("user"))
    except NotFound as exc:
        raise _not_found(exc) from exc
    filters = board.MyTasksFilters.parse(request.GET)
    cursor = request.GET.get("cursor") or None
    error = None
    try:
        page = board.my_tasks_page(
            workspace=ws, actor=actor, user=user, filters=filters, cursor=cursor
        )
    except Invalid as exc:  # a cursor edited by hand: show the first page instead
        error = exc.message
        cursor = None
        page = board.my_tasks_page(workspace=ws, actor=actor, user=user, filters=filters)
    query = {k: v for k, v in request.GET.items() if k not in ("cursor",) and v}
    context = {
        "viewed_user": user,
        "own_list": user.pk == actor.user_id,
        "filters": filters,
        "page": page,
        "rows": page.items,
        "cursor": cursor,
        "error": error,
        "list_query": urlencode(query),
        "next_query": urlencode({**query, "cursor": page.next}) if page.next else "",
        "today": timezone.localdate(),
        "statuses": TaskStatus.choices,
        "projects": board.filter_projects(workspace=ws),
        "categories": board.filter_categories(workspace=ws),
        "staff": board.filter_staff(workspace=ws) if actor.is_admin else [],
    }
    return render(request, "projects/my_tasks.html", context)


# --- The board --------------------------------------------------------------------------


def _board_context(request, filters: board.BoardFilters) -> dict:
    ws, actor = request.workspace, request.membership
    return {
        "filters": filters,
        "filter_query": urlencode(filters.query()),
        "columns": board.board_columns(workspace=ws, actor=actor, filters=filters),
        "statuses": TaskStatus.choices,
        "today": timezone.localdate(),
        "cap": board.BOARD_COLUMN_CAP,
    }


@require_GET
@workspace_view(module="projects")
def task_board(request):
    ws = request.workspace
    filters = board.BoardFilters.parse(request.GET)
    context = {
        **_board_context(request, filters),
        "projects": board.filter_projects(workspace=ws),
        "categories": board.filter_categories(workspace=ws),
        "staff": board.filter_staff(workspace=ws),
    }
    return render(request, "projects/board.html", context)


@require_GET
@workspace_view(module="projects")
def board_column_more(request, status: str):
    ws, actor = request.workspace, request.membership
    filters = board.BoardFilters.parse(request.GET)
    try:
        page = board.board_column_more(
            workspace=ws,
            actor=actor,
            filters=filters,
            status=status,
            cursor=request.GET.get("cursor") or "",
        )
    except Invalid as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    context = {
        "filters": filters,
        "filter_query": urlencode(filters.query()),
        "status": status,
        "cards": page.items,
        "next": page.next,
        "statuses": TaskStatus.choices,
        "today": timezone.localdate(),
    }
    return render(request, "projects/partials/board_more.html", context)


@require_POST
@workspace_view(module="projects")
def board_move(request, task_id: int):
    ws, actor = request.workspace, request.membership
    filters = board.BoardFilters.parse(request.POST)
    back = reverse("task_board", args=[ws.slug])
    if filters.query():
        back += "?" + urlencode(filters.query())
    try:
        task_move(workspace=ws, actor=actor, task_id=task_id, status=request.POST.get("status"))
    except NotFound as exc:
        raise _not_found(exc) from exc
    except DomainError as exc:
        if request.htmx:
            return HttpResponse(
                exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
            )
        messages.error(request, exc.message)
        return redirect(back)
    if request.htmx:
        context = _board_context(request, filters)
        context["moved_id"] = task_id
        return render(request, "projects/partials/board_columns.html", context)
    return redirect(back)


# --- Downloads --------------------------------------------------------------------------


@require_GET
@workspace_view(module="projects")
def projects_download(request, fmt: str):
    ws, actor = request.workspace, request.membership
    try:
        export = projects_export(workspace=ws, actor=actor, fmt=fmt)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return export.response()


@require_GET
@workspace_view(module="projects")
def project_download(request, project_id: int, fmt: str):
    ws, actor = request.workspace, request.membership
    try:
        export = project_export(workspace=ws, actor=actor, project_id=project_id, fmt=fmt)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return export.response()


urlpatterns = [
    path("tasks/", my_tasks, name="my_tasks"),
    path("board/", task_board, name="task_board"),
    path("board/columns/<slug:status>/", board_column_more, name="board_column_more"),
    path("board/tasks/<id:task_id>/move/", board_move, name="board_move"),
    path("projects/export.<slug:fmt>", projects_download, name="projects_download"),
    path("projects/<id:project_id>/export.<slug:fmt>", project_download, name="project_download"),
]
