"""Reads of task updates and of the update emails waiting in the outbox."""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import Forbidden
from rapport.core.models import Membership, Workspace
from rapport.projects.access import require_module
from rapport.projects.models import MailStatus, TaskUpdate, UpdateMail

UPDATE_ORDER = ("-created_at", "-id")
OUTBOX_ORDER = ("-created_at", "-id")


def update_list(*, workspace: Workspace, actor: Membership, task_id: int) -> QuerySet[TaskUpdate]:
    """The updates of one task (which the caller has already fetched through `task_get`),
    for ordering with UPDATE_ORDER. Admins also get `mail_failed` on each: whether an
    email of it gave up, so the thread can say so."""
    require_module(actor)
    qs = TaskUpdate.objects.filter(workspace=workspace, task_id=task_id).select_related("author")
    if actor.is_admin:
        qs = qs.annotate(
            mail_failed=Exists(
                UpdateMail.objects.filter(update=OuterRef("pk"), status=MailStatus.FAILED)
            )
        )
    return qs


def update_mail_outbox(*, workspace: Workspace, actor: Membership) -> QuerySet[UpdateMail]:
    """Update emails not sent yet: queued (waiting or retrying) and failed. Admins only."""
    require_module(actor)
    if not actor.is_admin:
        raise Forbidden(_("Only admins can see the outbox."), code="admin_only")
    return UpdateMail.objects.filter(
        workspace=workspace, status__in=[MailStatus.QUEUED, MailStatus.FAILED]
    ).select_related("update__author", "update__task__project")
