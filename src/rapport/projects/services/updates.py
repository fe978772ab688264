"""Task updates: a comment on a task, the minutes spent on it, and the email to the team.

Every write here keeps three promises:
- the update row, the minutes added to (or taken from) the task, its phase and its
  project, and the activity row commit together or not at all;
- minutes move with `F()` increments, so concurrent updates add up instead of
  overwriting each other's totals;
- the email is queued as an `UpdateMail` row in the same transaction and handed to the
  background task only after commit, so a rolled-back update never sends mail and a mail
  that cannot be sent stays visible to admins (see `rapport.projects.mail`).

Who gets the email: every member of the project except the author, in one message (they
are the project's team and see who else got it; replies go to the author alone through
Reply-To). A project whose only member is the author sends nothing.
"""

import unicodedata
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from rapport.core.errors import Conflict, Errors, Forbidden, NotFound
from rapport.core.models import Membership, User, Workspace
from rapport.projects import activity
from rapport.projects.access import require_editor, require_module
from rapport.projects.models import (
    MAX_UPDATE_MINUTES,
    MailStatus,
    Phase,
    Project,
    ProjectMember,
    Task,
    TaskUpdate,
    UpdateMail,
)

MAX_BODY = 20_000


def _body(errors: Errors, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add("body", _("Write the update."))
        return ""
    if not isinstance(value, str):
        errors.add("body", _("Enter the update as text."))
        return ""
    value = value.strip()
    if len(value) > MAX_BODY:
        errors.add("body", _("Use at most %(n)d characters.") % {"n": MAX_BODY})
        return ""
    # Line breaks and tabs belong in a comment; other control characters (NUL, which
    # PostgreSQL refuses outright) and lone surrogates (JSON allows "\ud800", no database
    # encoding does) do not.
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\r\t" for ch in value):
        errors.add("body", _("Remove the control characters."))
        return ""
    return value.replace("\r\n", "\n")


def _minutes(errors: Errors, project: Project, value: Any) -> int | None:
    """Whole minutes from 1 to a day, or None when none were given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not project.track_time:
        errors.add("minutes", _("This project does not track time: leave the minutes empty."))
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
        value = int(value.strip()) if len(value.strip()) <= 12 else MAX_UPDATE_MINUTES + 1
    # bool is an int in Python; true is not a number of minutes.
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add("minutes", _("Enter the minutes spent as a whole number, such as 45."))
        return None
    if value < 1:
        errors.add("minutes", _("Enter at least 1 minute, or leave the minutes empty."))
        return None
    if value > MAX_UPDATE_MINUTES:
        errors.add(
            "minutes",
            _("One update records at most %(n)d minutes (a day); split longer work.")
            % {"n": MAX_UPDATE_MINUTES},
        )
        return None
    return value


def _notify(errors: Errors, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        errors.add("notify", _("Choose yes or no."))
        return False
    return value


def _task(workspace: Workspace, actor: Membership, task_id: int) -> Task:
    require_module(actor)
    task = (
        Task.objects.select_related("project", "project__company")
        .filter(workspace=workspace, pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("Task not found."))
    return task


def _lock_task(task: Task) -> None:
    """Hold the task's row for the transaction: a task deleted meanwhile is a 404, not a
    foreign-key error, and the lock order (task, phase, project) is the module's one."""
    if Task.objects.select_for_update().filter(pk=task.pk).values_list("pk").first() is None:
        raise NotFound(_("Task not found."))


def _add_minutes(task_id: int, minutes: int) -> None:
    """Move the totals of a task, its phase and its project by `minutes` (may be negative).

    Rows are locked in the order task, phase, project by every writer here, so two
    updates never wait on each other in a cycle. The task's phase is read after its row
    is locked, so a task moved to another phase at the same moment cannot make us count
    the minutes in the phase it left.
    """
    total = Greatest(F("minutes_total") + minutes, Value(0))
    Task.objects.filter(pk=task_id).update(minutes_total=total)
    phase_id, project_id = Task.objects.filter(pk=task_id).values_list("phase_id", "project_id")[0]
    Phase.objects.filter(pk=phase_id).update(minutes_total=total)
    Project.objects.filter(pk=project_id).update(minutes_total=total)


def _recipients(project: Project, author_id: int) -> list[str]:
    """The project's members who still belong to the workspace, but the author."""
    emails = (
        User.objects.filter(
            pk__in=ProjectMember.objects.filter(
                workspace_id=project.workspace_id, project_id=project.pk
            ).values("user_id"),
            is_active=True,
        )
        # Someone who left the workspace keeps no right to its news.
        .filter(
            pk__in=Membership.objects.filter(workspace_id=project.workspace_id).values("user_id")
        )
        .exclude(pk=author_id)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(emails))


def _enqueue(mail_id: int, attempt: int) -> None:
    from rapport.projects.mail import schedule

    schedule(mail_id=mail_id, attempt=attempt)


def add_update(*, workspace: Workspace, actor: Membership, task_id: int, data: dict) -> TaskUpdate:
    """Comment on a task (project members and admins), with minutes when the project
    tracks time, and optionally a copy emailed to the other project members."""
    task = _task(workspace, actor, task_id)
    project = task.project
    require_editor(actor, project)
    errors = Errors()
    body = _body(errors, data.get("body"))
    minutes = _minutes(errors, project, data.get("minutes"))
    notify = _notify(errors, data.get("notify", False))
    errors.raise_if_any()
    with transaction.atomic():
        _lock_task(task)
        update = TaskUpdate.objects.create(
            workspace=workspace,
            task=task,
            author=actor.user,
            body=body,
            minutes=minutes,
            notify=notify,
        )
        if minutes:
            _add_minutes(task.pk, minutes)
        summary = _("Update on “%(task)s”") % {"task": task.title}
        if minutes:
            summary += " " + _("(%(n)d min)") % {"n": minutes}
        activity.record(
            actor=actor,
            project=project,
            verb="task.update",
            summary=summary,
            changes={"task": [None, task.pk], "update": [None, update.pk], "minutes": [0, minutes]},
        )
        if notify:
            recipients = _recipients(project, actor.user_id)
            if recipients:
                mail = UpdateMail.objects.create(
                    workspace=workspace, update=update, recipients=recipients
                )
                transaction.on_commit(partial(_enqueue, mail.pk, 1))
    return update


def delete_update(*, workspace: Workspace, actor: Membership, task_id: int, update_id: int) -> None:
    """Remove an update (its author or an admin); its minutes leave the totals."""
    task = _task(workspace, actor, task_id)
    update = TaskUpdate.objects.filter(workspace=workspace, task=task, pk=update_id).first()
    if update is None:
        raise NotFound(_("Update not found."))
    # Deleting takes minutes off the project's totals: a change to the project, so the
    # author must still be one of its members (or an admin).
    require_editor(actor, task.project)
    if not (actor.is_admin or update.author_id == actor.user_id):
        raise Forbidden(
            _("Only the update's author or an admin can delete it."), code="not_update_author"
        )
    with transaction.atomic():
        _lock_task(task)
        # Two deletes of the same update may race: only the one whose DELETE removed the
        # row takes its minutes off the totals.
        _n, per_model = TaskUpdate.objects.filter(pk=update.pk).delete()
        if not per_model.get(TaskUpdate._meta.label):
            raise NotFound(_("Update not found."))
        if update.minutes:
            _add_minutes(task.pk, -update.minutes)
        activity.record(
            actor=actor,
            project=task.project,
            verb="task.update_deleted",
            summary=_("Update on “%(task)s” deleted") % {"task": task.title},
            changes={"update": [update.pk, None], "minutes": [update.minutes or 0, 0]},
        )


def retry_update_mail(*, workspace: Workspace, actor: Membership, mail_id: int) -> UpdateMail:
    """Send a queued or failed update email again now (admins): one more attempt, and the
    automatic retries resume while it has attempts left."""
    require_module(actor)
    if not actor.is_admin:
        raise Forbidden(_("Only admins can resend update emails."), code="admin_only")
    mail = (
        UpdateMail.objects.select_related("update__task__project__company")
        .filter(workspace=workspace, pk=mail_id)
        .first()
    )
    if mail is None:
        raise NotFound(_("Email not found."))
    with transaction.atomic():
        moved = UpdateMail.objects.filter(
            pk=mail.pk, status__in=[MailStatus.QUEUED, MailStatus.FAILED]
        ).update(status=MailStatus.QUEUED)
        if not moved:
            raise Conflict(_("This email has been sent already."), code="already_sent")
        task = mail.update.task
        activity.record(
            actor=actor,
            project=task.project,
            verb="task.update_mail_retried",
            summary=_("Update email on “%(task)s” sent again") % {"task": task.title},
            changes={"update_mail": [None, mail.pk]},
        )
        # The claim in `deliver` makes this attempt and any retry already waiting in the
        # queue for the same number run once between them.
        transaction.on_commit(partial(_enqueue, mail.pk, mail.attempts + 1))
    mail.refresh_from_db()
    return mail
