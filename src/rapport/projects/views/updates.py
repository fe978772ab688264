"""Task updates on the task page, and the admins' outbox of update emails.

The updates box (`projects/partials/update_box.html`) is one partial: the task page
includes it (through `task_updates.html`, which builds its context with the
`task_updates_prepare` tag), and the htmx answers here re-render it after a post or a
delete, with the errors beside the fields on a 422.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Forbidden, Invalid, NotFound
from rapport.core.pagination import keyset_page
from rapport.projects import selectors, selectors_updates
from rapport.projects.access import can_edit
from rapport.projects.models import MAX_UPDATE_MINUTES, Task
from rapport.projects.services import updates as services

MODULE = "projects"
UPDATES_PER_PAGE = 20
OUTBOX_PER_PAGE = 50
# Fired after an update changed the task's minutes, for parts of the page that show them.
CHANGED_EVENT = "projects:updates-changed"


class UpdateForm(forms.Form):
    """What the box posts; the service checks the values (one rule for UI and API)."""

    body = forms.CharField(
        label=gettext_lazy("Update"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Text, not IntegerField: "abc" or "1.5" must reach the service and get its message.
    minutes = forms.CharField(
        label=gettext_lazy("Minutes spent"),
        required=False,
        widget=forms.NumberInput(
            attrs={"min": 1, "max": MAX_UPDATE_MINUTES, "step": 1, "inputmode": "numeric"}
        ),
    )
    notify = forms.BooleanField(label=gettext_lazy("Email all project members"), required=False)

    def __init__(self, *args, task: Task, **kwargs):
        kwargs.setdefault("auto_id", f"task-{task.pk}-update-%s")
        super().__init__(*args, **kwargs)
        if task.project.track_time:
            self.fields["minutes"].help_text = _("(at most %(n)d)") % {"n": MAX_UPDATE_MINUTES}
        else:
            del self.fields["minutes"]

    def to_data(self) -> dict:
        data = {
            "body": self.cleaned_data.get("body") or "",
            "notify": bool(self.cleaned_data.get("notify")),
        }
        if "minutes" in self.fields:
            data["minutes"] = self.cleaned_data.get("minutes") or None
        elif (self.data.get("minutes") or "").strip():
            # Posted anyway (an old page, a hand-made request): the service says why not.
            data["minutes"] = self.data["minutes"]
        return data

    def show_errors(self, exc: DomainError) -> None:
        errors = exc.errors or [{"field": None, "message": exc.message}]
        for error in errors:
            field = error.get("field")
            self.add_error(field if field in self.fields else None, str(error["message"]))


def updates_context(
    request: HttpRequest,
    task: Task,
    *,
    editable: bool | None = None,
    form: UpdateForm | None = None,
    cursor: str | None = None,
    error: str = "",
) -> dict:
    """Everything the updates box needs, in a fixed number of queries."""
    workspace, actor = request.workspace, request.membership
    qs = selectors_updates.update_list(workspace=workspace, actor=actor, task_id=task.pk)
    page = keyset_page(
        qs, order=selectors_updates.UPDATE_ORDER, limit=UPDATES_PER_PAGE, cursor=cursor
    )
    for update in page.items:
        update.may_delete = actor.is_admin or update.author_id == actor.user_id
    if editable is None:
        editable = can_edit(actor, task.project)
    return {
        "task": task,
        "project": task.project,
        "updates": page,
        "update_form": form or UpdateForm(task=task),
        "updates_can_edit": editable,
        "updates_error": error,
        "updates_admin": actor.is_admin,
        "updates_url": reverse("task_updates", args=[workspace.slug, task.pk]),
    }


def _task(request, task_id: int) -> Task:
    try:
        return selectors.task_get(
            workspace=request.workspace, actor=request.membership, task_id=task_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _task_page_url(request, task: Task) -> str:
    return reverse("task_detail", args=[request.workspace.slug, task.pk]) + "#task-updates"


def _box(request, task: Task, *, status: int = 200, changed: bool = False, **kwargs):
    context = updates_context(request, task, **kwargs)
    response = render(request, "projects/partials/update_box.html", context, status=status)
    response["HX-Retarget"] = "#task-updates"
    response["HX-Reswap"] = "outerHTML"
    if changed:
        response["HX-Trigger"] = CHANGED_EVENT
    return response


def _page(request, task: Task, *, status: int = 200, **kwargs):
    context = updates_context(request, task, **kwargs)
    context["task_page_url"] = _task_page_url(request, task)
    return render(request, "projects/update_page.html", context, status=status)


@require_GET
@workspace_view(module=MODULE)
def task_updates(request, task_id: int):
    """The updates box; `?cursor=` for older updates ("Show older updates")."""
    task = _task(request, task_id)
    cursor = request.GET.get("cursor") or None
    try:
        if request.htmx and cursor:
            context = updates_context(request, task, cursor=cursor)
            return render(request, "projects/partials/update_items.html", context)
        if request.htmx:
            return _box(request, task)
        return _page(request, task, cursor=cursor)
    except Invalid as exc:
        raise Http404(exc.message) from exc


@require_POST
@workspace_view(module=MODULE)
def task_update_add(request, task_id: int):
    task = _task(request, task_id)
    form = UpdateForm(request.POST, task=task)
    form.is_valid()
    try:
        services.add_update(
            workspace=request.workspace,
            actor=request.membership,
            task_id=task.pk,
            data=form.to_data(),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        # The box offers no form to those who may not post: this request was made by hand.
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form.show_errors(exc)
        if request.htmx:
            return _box(request, task, status=422, form=form)
        return _page(request, task, status=422, form=form)
    task.refresh_from_db(fields=["minutes_total"])
    if request.htmx:
        return _box(request, task, changed=True)
    messages.success(request, _("Update posted."))
    return redirect(_task_page_url(request, task))


@require_POST
@workspace_view(module=MODULE)
def task_update_delete(request, task_id: int, update_id: int):
    task = _task(request, task_id)
    try:
        services.delete_update(
            workspace=request.workspace,
            actor=request.membership,
            task_id=task.pk,
            update_id=update_id,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    task.refresh_from_db(fields=["minutes_total"])
    if request.htmx:
        return _box(request, task, changed=True)
    messages.success(request, _("Update deleted."))
    return redirect(_task_page_url(request, task))


# --- the outbox ----------------------------------------------------------------------


@require_GET
@workspace_view(module=MODULE, admin=True)
def update_mail_outbox(request):
    """Update emails not sent yet, newest first: the queued ones and those that failed."""
    mails = selectors_updates.update_mail_outbox(
        workspace=request.workspace, actor=request.membership
    )
    cursor = request.GET.get("cursor") or None
    try:
        page = keyset_page(
            mails, order=selectors_updates.OUTBOX_ORDER, limit=OUTBOX_PER_PAGE, cursor=cursor
        )
    except Invalid as exc:
        raise Http404(exc.message) from exc
    for mail in page.items:
        mail.task_url = _task_page_url(request, mail.update.task)
    return render(
        request, "projects/mail_outbox.html", {"page": page, "rows": page.items, "cursor": cursor}
    )


@require_POST
@workspace_view(module=MODULE, admin=True)
def update_mail_retry(request, mail_id: int):
    try:
        services.retry_update_mail(
            workspace=request.workspace, actor=request.membership, mail_id=mail_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The email is being sent again."))
    return redirect("update_mail_outbox", request.workspace.slug)


urlpatterns = [
    path("tasks/<id:task_id>/updates/", task_updates, name="task_updates"),
    path("tasks/<id:task_id>/updates/add/", task_update_add, name="task_update_add"),
    path(
        "tasks/<id:task_id>/updates/<id:update_id>/delete/",
        task_update_delete,
        name="task_update_delete",
    ),
    path("projects/mail/", update_mail_outbox, name="update_mail_outbox"),
    path("projects/mail/<id:mail_id>/retry/", update_mail_retry, name="update_mail_retry"),
]
