"""task_move: the board's one write. Members and admins move; others change nothing."""

import pytest

from rapport.core.errors import Forbidden, Invalid, NotFound
from rapport.core.models import Activity
from rapport.projects.models import Task
from rapport.projects.services.board import move_task, task_move
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner, member):
    return make_project(owner, "Relaunch", members=[member])


@pytest.fixture
def task(project):
    return make_task(make_phase(project), "Wireframes")


def test_a_member_moves_a_task_and_the_timeline_says_so(workspace, member, task):
    moved = task_move(workspace=workspace, actor=member, task_id=task.pk, status="in_progress")

    task.refresh_from_db()
    assert moved.status == task.status == "in_progress"
    assert task.version == 2
    row = Activity.objects.get(workspace=workspace, verb="task.moved")
    assert row.target_type == "project"
    assert row.target_id == task.project_id
    assert row.changes["status"] == ["todo", "in_progress"]
    assert row.actor_id == member.user_id
    assert "Wireframes" in row.summary


def test_moving_to_the_same_column_changes_and_records_nothing(workspace, member, task):
    task_move(workspace=workspace, actor=member, task_id=task.pk, status="todo")

    task.refresh_from_db()
    assert task.version == 1
    assert not Activity.objects.filter(verb="task.moved").exists()


def test_the_company_timeline_gets_the_move_too(workspace, owner, member):
    from tests.customers.factories import make_company

    company = make_company(owner, name="Initech")
    project = make_project(owner, "For Initech", company=company)
    task = make_task(make_phase(project))

    task_move(workspace=workspace, actor=owner, task_id=task.pk, status="done")

    targets = set(
        Activity.objects.filter(verb="task.moved").values_list("target_type", "target_id")
    )
    assert targets == {("project", project.pk), ("company", company.pk)}


def test_an_admin_who_is_not_a_member_may_move(workspace, admin, task):
    task_move(workspace=workspace, actor=admin, task_id=task.pk, status="done")

    task.refresh_from_db()
    assert task.status == "done"


def test_a_staff_member_outside_the_project_gets_403_and_nothing_changes(workspace, task):
    stranger = make_member(workspace, "stranger@acme.test", role="member")

    with pytest.raises(Forbidden) as caught:
        task_move(workspace=workspace, actor=stranger, task_id=task.pk, status="done")

    assert caught.value.status == 403
    task.refresh_from_db()
    assert (task.status, task.version) == ("todo", 1)
    assert not Activity.objects.filter(verb="task.moved").exists()


@pytest.mark.parametrize("status", ["", "closed", "DONE", None, 3, "todo "])
def test_an_unknown_status_is_a_422_on_the_status_field(workspace, member, task, status):
    with pytest.raises(Invalid) as caught:
        task_move(workspace=workspace, actor=member, task_id=task.pk, status=status)

    assert caught.value.status == 422
    assert caught.value.errors[0]["field"] == "status"
    task.refresh_from_db()
    assert task.status == "todo"


def test_the_module_switched_off_is_a_404(workspace, member, task):
    member.workspace.modules = {"projects": False}
    member.workspace.save()

    with pytest.raises(NotFound):
        task_move(workspace=workspace, actor=member, task_id=task.pk, status="done")

    assert Task.objects.get(pk=task.pk).status == "todo"


def test_another_workspaces_task_is_a_404(other_workspace, outsider, task):
    with pytest.raises(NotFound):
        task_move(workspace=other_workspace, actor=outsider, task_id=task.pk, status="done")

    assert Task.objects.get(pk=task.pk).status == "todo"


def test_a_missing_task_is_a_404(workspace, member):
    with pytest.raises(NotFound):
        task_move(workspace=workspace, actor=member, task_id=987654, status="done")


def test_move_task_is_the_same_function():
    assert move_task is task_move
