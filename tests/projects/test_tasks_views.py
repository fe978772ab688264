"""The phases section on the project page, its htmx actions with inline errors, the task
page and its form: who sees which controls, 404/403, and fixed query counts."""

import pytest
from django.urls import reverse

from rapport.core.models import Category
from rapport.projects.models import Phase, Task, TaskAssignee
from rapport.projects.services import tasks as services
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, membership):
    client.force_login(membership.user)
    return client


def u(name, workspace, *args):
    return reverse(name, args=[workspace.slug, *args])


@pytest.fixture
def project(owner, member):
    return make_project(owner, members=[member], track_time=True)


@pytest.fixture
def phase(project):
    return make_phase(project, "Design")


@pytest.fixture
def stranger(workspace):
    return make_member(workspace, "stranger@acme.test")


# --- the section on the project page --------------------------------------------------------


def test_the_project_page_shows_phases_tasks_and_edit_controls_to_a_member(
    client, workspace, member, project, phase
):
    design = task_category(workspace)
    make_task(phase, "Wireframes", category=design, assignees=[member], minutes_total=90)
    make_phase(project, "Build")
    response = login(client, member).get(u("project_detail", workspace, project.pk))
    assert response.status_code == 200
    section = response.content.decode()
    assert 'id="phases"' in section
    assert "Wireframes" in section
    assert "1 h 30 min" in section
    assert u("task_detail", workspace, Task.objects.get().pk) in section
    assert f'id="add-task-{phase.pk}"' in section
    assert 'id="phase-add"' in section
    assert section.index(">Design<") < section.index(">Build<")


def test_a_non_member_sees_the_phases_without_edit_controls(
    client, workspace, stranger, project, phase
):
    make_task(phase, "Wireframes")
    response = login(client, stranger).get(u("project_detail", workspace, project.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Wireframes" in body
    assert 'id="phase-add"' not in body
    assert f'id="add-task-{phase.pk}"' not in body
    assert "phase-menu-" not in body


def test_an_overdue_open_task_is_marked_and_a_done_one_is_not(client, workspace, member, phase):
    import datetime as dt

    make_task(phase, "Late", due_date=dt.date(2020, 1, 1))
    make_task(phase, "Finished", due_date=dt.date(2020, 1, 1), status="done")
    body = login(client, member).get(u("phases_section", workspace, phase.project_id), **HTMX)
    html = body.content.decode()
    late = html[html.index("Late") : html.index("Finished")]
    assert "pt-overdue" in late
    assert "pt-overdue" not in html[html.index("Finished") :]


def test_the_section_costs_the_same_queries_for_many_tasks(
    client, workspace, owner, member, project, phase, django_assert_max_num_queries
):
    design = task_category(workspace)
    make_task(phase, "One", assignees=[member], category=design)
    login(client, member)
    path = u("phases_section", workspace, project.pk)
    client.get(path, **HTMX)
    with django_assert_max_num_queries(20) as few:
        assert client.get(path, **HTMX).status_code == 200
    for i in range(3):
        extra = make_phase(project, f"P{i}")
        for j in range(10):
            make_task(extra, f"T{i}-{j}", assignees=[owner, member], category=design)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(path, **HTMX)
    assert response.content.decode().count('data-task="') == 31


def test_adding_a_task_by_htmx_answers_the_section_with_the_task(
    client, workspace, member, project, phase
):
    design = task_category(workspace)
    response = login(client, member).post(
        u("phase_action", workspace, project.pk, phase.pk, "add-task"),
        {"title": "Logo", "category": str(design.pk), "assignee": str(member.user_id)},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="phases"' in response.content.decode()
    assert "Logo" in response.content.decode()
    task = Task.objects.get()
    assert (task.title, task.category_id, task.phase_id) == ("Logo", design.pk, phase.pk)
    assert list(TaskAssignee.objects.values_list("user_id", flat=True)) == [member.user_id]


def test_a_task_without_a_title_is_refused_inline_with_422(
    client, workspace, member, project, phase
):
    response = login(client, member).post(
        u("phase_action", workspace, project.pk, phase.pk, "add-task"), {"title": " "}, **HTMX
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert f'id="add-task-errors-{phase.pk}"' in body
    assert "Give the task a title." in body
    assert 'aria-invalid="true"' in body
    assert not Task.objects.exists()


def test_a_plain_post_without_htmx_redirects_to_the_project_page(
    client, workspace, member, project, phase
):
    response = login(client, member).post(
        u("phase_action", workspace, project.pk, phase.pk, "add-task"), {"title": "Plain"}
    )
    assert response.status_code == 302
    assert response["Location"] == u("project_detail", workspace, project.pk) + "#phases"
    assert Task.objects.filter(title="Plain").exists()


def test_phases_are_added_renamed_moved_and_deleted_from_the_section(
    client, workspace, member, project, phase
):
    login(client, member)
    response = client.post(u("phase_add", workspace, project.pk), {"name": "Build"}, **HTMX)
    assert response.status_code == 200
    build = Phase.objects.get(name="Build")
    client.post(
        u("phase_action", workspace, project.pk, build.pk, "rename"), {"name": "Develop"}, **HTMX
    )
    client.post(u("phase_action", workspace, project.pk, build.pk, "up"), **HTMX)
    assert list(Phase.objects.order_by("position").values_list("name", flat=True)) == [
        "Develop",
        "Design",
    ]
    response = client.post(u("phase_action", workspace, project.pk, build.pk, "delete"), **HTMX)
    assert response.status_code == 200
    assert list(Phase.objects.values_list("name", flat=True)) == ["Design"]


def test_a_nameless_phase_is_refused_inline(client, workspace, member, project):
    response = login(client, member).post(
        u("phase_add", workspace, project.pk), {"name": ""}, **HTMX
    )
    assert response.status_code == 422
    assert 'id="new-phase-error"' in response.content.decode()
    assert not Phase.objects.exists()


def test_deleting_a_phase_with_tasks_without_confirm_explains_inline(
    client, workspace, member, project, phase
):
    make_task(phase, "Keep me")
    login(client, member)
    path = u("phase_action", workspace, project.pk, phase.pk, "delete")
    response = client.post(path, **HTMX)
    assert response.status_code == 422
    assert "has 1 task" in response.content.decode()
    assert Task.objects.exists()
    assert client.post(path, {"confirm": "1"}, **HTMX).status_code == 200
    assert not Phase.objects.exists()


def test_common_tasks_are_added_from_the_phase_menu(client, workspace, member, project, phase):
    a, b = (
        services.create_common_task(workspace=workspace, actor=member, data={"title": t})
        for t in ("Brief", "Review")
    )
    response = login(client, member).post(
        u("phase_action", workspace, project.pk, phase.pk, "add-common"),
        {"common_task_ids": [str(a.pk), str(b.pk)]},
        **HTMX,
    )
    assert response.status_code == 200
    assert list(Task.objects.order_by("position").values_list("title", flat=True)) == [
        "Brief",
        "Review",
    ]


def test_moving_a_task_down_from_the_section(client, workspace, member, project, phase):
    first = make_task(phase, "First")
    make_task(phase, "Second")
    response = login(client, member).post(u("task_move", workspace, first.pk, "down"), **HTMX)
    assert response.status_code == 200
    assert list(Task.objects.order_by("position").values_list("title", flat=True)) == [
        "Second",
        "First",
    ]


def test_a_non_member_gets_403_on_every_section_action(client, workspace, stranger, project, phase):
    task = make_task(phase, "Mine")
    login(client, stranger)
    for path in (
        u("phase_add", workspace, project.pk),
        u("phase_action", workspace, project.pk, phase.pk, "rename"),
        u("phase_action", workspace, project.pk, phase.pk, "delete"),
        u("phase_action", workspace, project.pk, phase.pk, "add-task"),
        u("task_move", workspace, task.pk, "up"),
        u("task_delete", workspace, task.pk),
    ):
        assert client.post(path, {"name": "X", "title": "X"}, **HTMX).status_code == 403, path
    assert client.get(u("task_edit", workspace, task.pk)).status_code == 403
    assert list(Phase.objects.values_list("name", flat=True)) == ["Design"]
    assert list(Task.objects.values_list("title", flat=True)) == ["Mine"]


def test_another_workspace_gets_404(client, outsider, workspace, project, phase):
    task = make_task(phase, "Mine")
    login(client, outsider)
    theirs = outsider.workspace
    assert client.get(u("task_detail", theirs, task.pk)).status_code == 404
    assert client.get(u("task_edit", theirs, task.pk)).status_code == 404
    assert client.get(u("phases_section", theirs, project.pk), **HTMX).status_code == 404
    assert client.post(u("phase_add", theirs, project.pk), {"name": "X"}).status_code == 404
    assert client.post(u("task_delete", theirs, task.pk)).status_code == 404
    # And the Acme URLs are not theirs to open at all.
    assert client.get(u("task_detail", workspace, task.pk)).status_code == 404
    assert Task.objects.count() == 1


def test_the_module_switched_off_hides_the_pages(client, workspace, member, project, phase):
    task = make_task(phase, "Hidden")
    workspace.modules = {"projects": False}
    workspace.save(update_fields=["modules"])
    login(client, member)
    assert client.get(u("task_detail", workspace, task.pk)).status_code == 404
    assert client.get(u("common_task_list", workspace)).status_code == 404
    assert client.post(u("phase_add", workspace, project.pk), {"name": "X"}).status_code == 404


# --- the task page and form -----------------------------------------------------------------


def test_the_task_page_shows_the_task_and_its_updates_box(
    client, workspace, member, project, phase, django_assert_max_num_queries
):
    task = make_task(phase, "Wireframes", description="Home page", assignees=[member])
    login(client, member)
    client.get(u("task_detail", workspace, task.pk))
    with django_assert_max_num_queries(30):
        response = client.get(u("task_detail", workspace, task.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Wireframes</h1>" in body
    assert "Home page" in body
    assert member.user.display_name in body
    assert u("task_edit", workspace, task.pk) in body


def test_a_non_member_reads_the_task_page_without_edit_buttons(client, workspace, stranger, phase):
    task = make_task(phase, "Wireframes")
    response = login(client, stranger).get(u("task_detail", workspace, task.pk))
    assert response.status_code == 200
    assert 'id="task-edit"' not in response.content.decode()


def test_the_edit_form_saves_and_moves_the_task(client, workspace, owner, member, project, phase):
    build = make_phase(project, "Build")
    task = make_task(phase, "Draft", minutes_total=20)
    Phase.objects.filter(pk=phase.pk).update(minutes_total=20)
    response = login(client, member).post(
        u("task_edit", workspace, task.pk),
        {
            "title": "Final",
            "description": "",
            "phase": str(build.pk),
            "category": "",
            "status": "in_progress",
            "priority": "high",
            "assignees": [str(owner.user_id)],
            "due_date": "2026-12-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert (task.title, task.phase_id, task.status, task.priority) == (
        "Final",
        build.pk,
        "in_progress",
        "high",
    )
    build.refresh_from_db()
    assert build.minutes_total == 20


def test_the_edit_form_shows_service_errors_on_their_fields(client, workspace, member, phase):
    task = make_task(phase, "Draft")
    response = login(client, member).post(
        u("task_edit", workspace, task.pk),
        {"title": "", "phase": str(phase.pk), "status": "todo", "priority": "normal"},
    )
    assert response.status_code == 422
    assert "Give the task a title." in response.content.decode()
    task.refresh_from_db()
    assert task.title == "Draft"


def test_deleting_a_task_goes_back_to_the_project(client, workspace, member, project, phase):
    task = make_task(phase, "Gone")
    response = login(client, member).post(u("task_delete", workspace, task.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(u("project_detail", workspace, project.pk))
    assert not Task.objects.exists()


def test_a_category_of_the_wrong_kind_cannot_be_posted(client, workspace, member, project, phase):
    label = Category.objects.filter(workspace=workspace, kind="labels").first()
    response = login(client, member).post(
        u("phase_action", workspace, project.pk, phase.pk, "add-task"),
        {"title": "T", "category": str(label.pk)},
        **HTMX,
    )
    assert response.status_code == 422
    assert not Task.objects.exists()


def test_minutes_show_only_when_the_project_tracks_time(client, workspace, owner, member):
    untracked = make_project(owner, "No clock", members=[member])
    phase = make_phase(untracked, "Only")
    make_task(phase, "Quiet", minutes_total=75)
    Phase.objects.filter(pk=phase.pk).update(minutes_total=75)
    body = login(client, member).get(u("phases_section", workspace, untracked.pk), **HTMX)
    assert "Quiet" in body.content.decode()
    assert "1 h 15 min" not in body.content.decode()
