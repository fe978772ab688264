"""A task category in use by tasks or common tasks is not deleted without a new home."""

import pytest

from rapport.core import services
from rapport.core.errors import Conflict
from rapport.projects.models import CommonTask
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db


def test_deleting_a_used_task_category_asks_where_tasks_go_then_moves_them(workspace, admin):
    design, meeting = task_category(workspace, "Design"), task_category(workspace, "Meeting")
    task = make_task(make_phase(make_project(admin)), category=design)
    template = CommonTask.objects.create(workspace=workspace, title="Kick-off", category=design)

    with pytest.raises(Conflict) as exc:
        services.category_delete(
            workspace=workspace, actor=admin, kind="task-categories", category_id=design.pk
        )
    assert exc.value.code == "in_use"
    task.refresh_from_db()
    assert task.category_id == design.pk

    services.category_delete(
        workspace=workspace,
        actor=admin,
        kind="task-categories",
        category_id=design.pk,
        move_to=meeting.pk,
    )
    task.refresh_from_db()
    template.refresh_from_db()
    assert (task.category_id, template.category_id) == (meeting.pk, meeting.pk)
