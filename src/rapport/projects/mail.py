"""The update email: built from a queued `UpdateMail`, sent, retried, never lost silently.

One message per update, To every recipient stored on the row, From the project's
"emails sent from" address and Reply-To the author, so a reply reaches the person who
wrote the update rather than an address that may bounce.

Each attempt first claims the row with a conditional UPDATE on its attempt counter, so an
admin's "Retry now" and a retry already waiting in the queue cannot both send: whichever
claims attempt N runs, the other finds the counter moved and stops. A failure stores the
error and schedules the next attempt later (1, 5, 25 and 125 minutes); after
MAX_ATTEMPTS the row is `failed` and waits on the admins' outbox page.
"""

import datetime as dt
import logging
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.tasks import task_backends
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rapport.projects.models import MailStatus, UpdateMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number `attempt` (1-based)."""
    return dt.timedelta(minutes=5 ** (attempt - 1))


def task_url(mail: UpdateMail) -> str:
    """The absolute address of the update's task page (RAPPORT_BASE_URL + its path)."""
    path = reverse("task_detail", args=[mail.workspace.slug, mail.update.task_id])
    return f"{settings.RAPPORT_BASE_URL}{path}"


def _one_line(text: str) -> str:
    # A header may not hold a line break; names typed with one still make a subject.
    return " ".join(text.split())


def build_message(mail: UpdateMail) -> EmailMessage:
    update = mail.update
    task = update.task
    project = task.project
    author = update.author
    author_name = author.display_name if author else _("Someone")
    with override(mail.workspace.language):
        subject = _("[%(project)s] %(task)s: update by %(author)s") % {
            "project": project.name,
            "task": task.title,
            "author": author_name,
        }
        body = render_to_string(
            "projects/email/task_update.txt",
            {
                "update": update,
                "task": task,
                "project": project,
                "author_name": author_name,
                "url": task_url(mail),
            },
        )
    return EmailMessage(
        subject=_one_line(subject),
        body=body,
        from_email=formataddr((_one_line(project.name), project.emails_from)),
        to=list(mail.recipients),
        reply_to=[author.email] if author and author.email else None,
    )


def schedule(*, mail_id: int, attempt: int, delay: dt.timedelta | None = None) -> None:
    """Hand attempt number `attempt` to the task queue, after `delay` when the backend
    can defer. A backend that cannot (the immediate one, in tests) runs it right away."""
    from rapport.projects.tasks import send_update_mail

    job = send_update_mail
    if delay and task_backends[job.backend].supports_defer:
        job = job.using(run_after=timezone.now() + delay)
    job.enqueue(mail_id=mail_id, attempt=attempt)


def deliver(*, mail_id: int, attempt: int) -> str:
    """Make attempt number `attempt` at sending one update email; returns what happened:
    "sent", "retrying", "failed", or "skipped" when another attempt claimed it."""
    claimed = UpdateMail.objects.filter(
        pk=mail_id, status=MailStatus.QUEUED, attempts=attempt - 1
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    mail = UpdateMail.objects.select_related(
        "workspace", "update__author", "update__task__project"
    ).get(pk=mail_id)
    try:
        build_message(mail).send()
    except Exception as exc:  # noqa: BLE001 - every failure must be recorded, whatever it is
        error = f"{type(exc).__name__}: {exc}"[:500]
        logger.warning("Update email %s, attempt %s failed: %s", mail_id, attempt, error)
        if attempt >= MAX_ATTEMPTS:
            UpdateMail.objects.filter(pk=mail_id, attempts=attempt).update(
                status=MailStatus.FAILED, last_error=error
            )
            return "failed"
        UpdateMail.objects.filter(pk=mail_id, attempts=attempt).update(last_error=error)
        schedule(mail_id=mail_id, attempt=attempt + 1, delay=backoff(attempt))
        return "retrying"
    UpdateMail.objects.filter(pk=mail_id).update(
        status=MailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"
