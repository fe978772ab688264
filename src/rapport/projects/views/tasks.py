"""Phase, task and common-task pages.

The project page includes `projects/partials/phases_section.html`; every phase and
quick-task action here answers htmx with that same section (422 with the errors inline),
and a plain form post with a redirect back to the project page. The rules are the
services'; a view parses, calls one, and renders.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.access import workspace_view
from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.projects import access
from rapport.projects import selectors_tasks as reads
from rapport.projects.forms_tasks import CommonTaskForm, QuickTaskForm, TaskForm
from rapport.projects.models import Project, Task
from rapport.projects.selectors import project_get
from rapport.projects.services import tasks as services

MODULE = "projects"


def _http_errors(view):
    """Missing or foreign ids are 404 and a refused editor 403, as everywhere in the UI."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper


def _errors_text(exc: Invalid | Conflict) -> str:
    if exc.errors:
        return " ".join(dict.fromkeys(str(e["message"]) for e in exc.errors))
    return exc.message


# --- the phases section on the project page -----------------------------------------------


def phases_context(request, project: Project, *, can_edit: bool | None = None) -> dict:
    """What `phases_section.html` needs beyond `project`: loaded once, in fixed queries."""
    actor = request.membership
    if can_edit is None:
        can_edit = access.can_edit(actor, project)
    board = reads.phases_with_tasks(
        workspace=request.workspace, actor=actor, project=project, for_editing=can_edit
    )
    return {
        "phases": board.phases,
        "phase_members": board.members,
        "phase_categories": board.categories,
        "library": board.common_tasks,
        "today": timezone.localdate(),
        "phases_can_edit": can_edit,
    }


def _project_url(request, project: Project) -> str:
    return reverse("project_detail", args=[request.workspace.slug, project.pk]) + "#phases"


def _section(request, project: Project, *, status: int = 200, error: str = "", **extra):
    """The section for htmx; for a plain post, back to the project page (errors as a
    message, since there is no form left to show them in)."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_project_url(request, project))
    context = {"project": project, "can_edit": access.can_edit(request.membership, project)}
    context.update(extra)
    return render(request, "projects/partials/phases_section.html", context, status=status)


def _project(request, project_id: int) -> Project:
    return project_get(workspace=request.workspace, actor=request.membership, project_id=project_id)


@require_GET
@workspace_view(module=MODULE)
@_http_errors
def phases_section(request, project_id: int):
    return _section(request, _project(request, project_id))


@require_POST
@workspace_view(module=MODULE)
@_http_errors
def phase_add(request, project_id: int):
    project = _project(request, project_id)
    name = request.POST.get("name", "")
    try:
        services.create_phase(
            workspace=request.workspace,
            actor=request.membership,
            project_id=project.pk,
            data={"name": name},
        )
    except Invalid as exc:
        return _section(
            request,
            project,
            status=422,
            error=_errors_text(exc),
            new_phase_error=_errors_text(exc),
            new_phase_name=name,
        )
    return _section(request, project, focus="new-phase-name")


PHASE_ACTIONS = ("rename", "up", "down", "delete", "add-task", "add-common")


@require_POST
@workspace_view(module=MODULE)
@_http_errors
def phase_action(request, project_id: int, phase_id: int, action: str):
    if action not in PHASE_ACTIONS:
        raise Http404("No such action.")
    workspace, actor = request.workspace, request.membership
    project = _project(request, project_id)
    ids = {"workspace": workspace, "actor": actor, "project_id": project.pk, "phase_id": phase_id}
    if action == "add-task":
        return _quick_task(request, project, phase_id)
    try:
        if action == "rename":
            services.update_phase(**ids, data={"name": request.POST.get("name", "")})
        elif action in ("up", "down"):
            services.move_phase(**ids, direction=action)
        elif action == "delete":
            services.delete_phase(**ids, confirm=request.POST.get("confirm") == "1")
        else:
            services.add_common_tasks(
                **ids, common_task_ids=request.POST.getlist("common_task_ids")
            )
    except (Invalid, Conflict) as exc:
        text = _errors_text(exc)
        return _section(
            request,
            project,
            status=422,
            error=text,
            phase_errors={phase_id: text},
        )
    return _section(request, project)


def _quick_task(request, project: Project, phase_id: int):
    board = reads.phases_with_tasks(
        workspace=request.workspace, actor=request.membership, project=project, for_editing=True
    )
    form = QuickTaskForm(request.POST, categories=board.categories, members=board.members)
    if form.is_valid():
        try:
            services.create_task(
                workspace=request.workspace,
                actor=request.membership,
                data=form.data_for_service(phase_id),
            )
        except Invalid as exc:
            form.take(exc)
        else:
            return _section(request, project, focus_phase=phase_id)
    error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _section(request, project, status=422, error=error, task_forms={phase_id: form})


@require_POST
@workspace_view(module=MODULE)
@_http_errors
def task_move(request, task_id: int, direction: str):
    """One place up or down in its phase, from the phases section (keyboard reordering)."""
    if direction not in ("up", "down"):
        raise Http404("No such direction.")
    task = services.move_task(
        workspace=request.workspace, actor=request.membership, task_id=task_id, direction=direction
    )
    return _section(request, task.project)


# --- one task -----------------------------------------------------------------------------


def _task(request, task_id: int) -> Task:
    return reads.task_detail(workspace=request.workspace, actor=request.membership, task_id=task_id)


@require_GET
@workspace_view(module=MODULE)
@_http_errors
def task_detail(request, task_id: int):
    task = _task(request, task_id)
    context = {
        "task": task,
        "project": task.project,
        "can_edit": access.can_edit(request.membership, task.project),
        "today": timezone.localdate(),
    }
    return render(request, "projects/task_detail.html", context)


def _task_form(request, task: Task, data=None) -> TaskForm:
    project = task.project
    phases = list(project.phases.filter(workspace=request.workspace).order_by("position", "pk"))
    initial = {
        "title": task.title,
        "description": task.description,
        "phase": str(task.phase_id),
        "category": str(task.category_id or ""),
        "status": task.status,
        "priority": task.priority,
        "assignees": [str(a.user_id) for a in task.assignments.all()],
        "due_date": task.due_date,
    }
    return TaskForm(
        data,
        initial=initial,
        phases=phases,
        categories=reads.task_categories(workspace=request.workspace),
        members=reads.project_member_users(project=project),
    )


@require_http_methods(["GET", "POST"])
@workspace_view(module=MODULE)
@_http_errors
def task_edit(request, task_id: int):
    task = _task(request, task_id)
    if not access.can_edit(request.membership, task.project):
        raise PermissionDenied
    if request.method == "POST":
        form = _task_form(request, task, request.POST)
        if form.is_valid():
            try:
                services.update_task(
                    workspace=request.workspace,
                    actor=request.membership,
                    task_id=task.pk,
                    data=form.data_for_service(),
                )
            except Invalid as exc:
                form.take(exc)
            else:
                messages.success(request, _("Task saved."))
                return redirect("task_detail", request.workspace.slug, task.pk)
        return render(request, "projects/task_form.html", {"task": task, "form": form}, status=422)
    form = _task_form(request, task)
    return render(request, "projects/task_form.html", {"task": task, "form": form})


@require_POST
@workspace_view(module=MODULE)
@_http_errors
def task_delete(request, task_id: int):
    task = _task(request, task_id)
    services.delete_task(workspace=request.workspace, actor=request.membership, task_id=task.pk)
    messages.success(request, _("Task “%(title)s” deleted.") % {"title": task.title})
    return redirect(_project_url(request, task.project))


# --- the common-task library --------------------------------------------------------------


def _library(request, *, form=None, status=200, editing=None, edit_form=None):
    categories = reads.task_categories(workspace=request.workspace)
    context = {
        "rows": list(
            reads.common_task_list(workspace=request.workspace, actor=request.membership).order_by(
                "title", "pk"
            )
        ),
        "form": form or CommonTaskForm(categories=categories),
        "editing": editing,
        "edit_form": edit_form,
    }
    template = (
        "projects/partials/common_task_library.html"
        if request.htmx
        else "projects/common_tasks.html"
    )
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view(module=MODULE)
@_http_errors
def common_task_list(request):
    """The library: every template of the workspace by title, and the form to add one.
    Any staff member keeps it (the service records who changed what)."""
    if request.method == "GET":
        return _library(request)
    categories = reads.task_categories(workspace=request.workspace)
    form = CommonTaskForm(request.POST, categories=categories)
    if form.is_valid():
        try:
            services.create_common_task(
                workspace=request.workspace, actor=request.membership, data=form.data_for_service()
            )
        except Invalid as exc:
            form.take(exc)
        else:
            if not request.htmx:
                messages.success(request, _("Common task added."))
                return redirect("common_task_list", request.workspace.slug)
            return _library(request)
    return _library(request, form=form, status=422)


def _common_form(request, common, data=None) -> CommonTaskForm:
    return CommonTaskForm(
        data,
        initial={
            "title": common.title,
            "description": common.description,
            "category": str(common.category_id or ""),
            "estimate_minutes": common.estimate_minutes,
        },
        categories=reads.task_categories(workspace=request.workspace),
        # Unique ids: the add form on the same page has the same fields.
        auto_id=f"common-{common.pk}-%s",
    )


def _common_row(request, common, *, edit_form=None, status=200):
    template = (
        "projects/partials/common_task_form_row.html"
        if edit_form is not None
        else "projects/partials/common_task_row.html"
    )
    return render(request, template, {"c": common, "edit_form": edit_form}, status=status)


@require_GET
@workspace_view(module=MODULE)
@_http_errors
def common_task_row(request, common_task_id: int):
    """One row as shown (htmx "Cancel" of an edit); a plain visit goes to the library."""
    common = reads.common_task_get(
        workspace=request.workspace, actor=request.membership, common_task_id=common_task_id
    )
    if not request.htmx:
        return redirect("common_task_list", request.workspace.slug)
    return _common_row(request, common)


@require_http_methods(["GET", "POST"])
@workspace_view(module=MODULE)
@_http_errors
def common_task_edit(request, common_task_id: int):
    common = reads.common_task_get(
        workspace=request.workspace, actor=request.membership, common_task_id=common_task_id
    )
    if request.method == "GET":
        form = _common_form(request, common)
        if request.htmx:
            return _common_row(request, common, edit_form=form)
        return _library(request, editing=common.pk, edit_form=form)
    form = _common_form(request, common, request.POST)
    if form.is_valid():
        try:
            common = services.update_common_task(
                workspace=request.workspace,
                actor=request.membership,
                common_task_id=common.pk,
                data=form.data_for_service(),
            )
        except Invalid as exc:
            form.take(exc)
        else:
            if request.htmx:
                common = reads.common_task_get(
                    workspace=request.workspace, actor=request.membership, common_task_id=common.pk
                )
                return _common_row(request, common)
            messages.success(request, _("Common task saved."))
            return redirect("common_task_list", request.workspace.slug)
    if request.htmx:
        return _common_row(request, common, edit_form=form, status=422)
    return _library(request, editing=common.pk, edit_form=form, status=422)


@require_POST
@workspace_view(module=MODULE)
@_http_errors
def common_task_delete(request, common_task_id: int):
    services.delete_common_task(
        workspace=request.workspace, actor=request.membership, common_task_id=common_task_id
    )
    if request.htmx:
        return _library(request)
    messages.success(request, _("Common task deleted."))
    return redirect("common_task_list", request.workspace.slug)


urlpatterns = [
    path("projects/<id:project_id>/phases/", phases_section, name="phases_section"),
    path("projects/<id:project_id>/phases/add/", phase_add, name="phase_add"),
    path(
        "projects/<id:project_id>/phases/<id:phase_id>/<slug:action>/",
        phase_action,
        name="phase_action",
    ),
    path("tasks/<id:task_id>/", task_detail, name="task_detail"),
    path("tasks/<id:task_id>/edit/", task_edit, name="task_edit"),
    path("tasks/<id:task_id>/delete/", task_delete, name="task_delete"),
    path("tasks/<id:task_id>/move/<slug:direction>/", task_move, name="task_move"),
    path("common-tasks/", common_task_list, name="common_task_list"),
    path("common-tasks/<id:common_task_id>/", common_task_row, name="common_task_row"),
    path("common-tasks/<id:common_task_id>/edit/", common_task_edit, name="common_task_edit"),
    path("common-tasks/<id:common_task_id>/delete/", common_task_delete, name="common_task_delete"),
]
