"""The task board's one write: moving a task to another status column.

Order inside a column is not stored by the board: cards sort by priority (high first),
then due date (soonest first, undated last), then id (`rapport.projects.selectors_board`).
A drop therefore changes the status only; where a card lands within its column follows
from those three keys, the same for everyone looking at the board. That is why
`task_move` takes no "before" card: a hand-made order would fight the priority and due
date, which are what the team sorts by.
"""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid, NotFound
from rapport.core.models import Membership, Workspace
from rapport.projects import activity
from rapport.projects.access import require_editor, require_module
from rapport.projects.models import Task, TaskStatus


def task_move(*, workspace: Workspace, actor: Membership, task_id: int, status: str) -> Task:
    """Put task `task_id` in column `status` (todo, in_progress or done).

    Only the project's members and admins may move it (403); a task of another workspace
    or with the module off is a 404; an unknown status is a 422 on the field "status".
    Moving a task to the column it is in changes nothing and records nothing.
    """
    require_module(actor)
    if not isinstance(status, str) or status not in TaskStatus.values:
        raise Invalid(
            _("Choose one of: to do, in progress, done."), code="invalid_status", field="status"
        )
    with transaction.atomic():
        # The row lock makes two simultaneous drops of one card record the true "from".
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("project", "project__company")
            .filter(workspace=workspace, pk=task_id)
            .first()
        )
        if task is None:
            raise NotFound(_("Task not found."))
        require_editor(actor, task.project)
        old = task.status
        if old == status:
            return task
        task.status = status
        task.version = F("version") + 1
        task.save(update_fields=["status", "version", "updated_at"])
        task.refresh_from_db(fields=["version"])
        activity.record(
            actor=actor,
            project=task.project,
            verb="task.moved",
            summary=_("“%(title)s” moved from %(old)s to %(new)s")
            % {
                "title": task.title,
                "old": TaskStatus(old).label,
                "new": TaskStatus(status).label,
            },
            changes={"status": [old, status], "task": [task.pk, task.pk]},
        )
    return task


# The name the plan uses; `task_move` follows the house `<entity>_<verb>` rule.
move_task = task_move
