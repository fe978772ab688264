"""The updates box on the task page: the thread, the form (minutes only when the project
tracks time), htmx posts with inline 422 errors, deletes, who sees what, and 404s."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.projects.models import MailStatus, TaskUpdate, UpdateMail
from rapport.projects.services.updates import add_update
from tests.projects import updates_helpers as scene
from tests.projects.factories import make_phase, make_project, make_task
from tests.projects.updates_helpers import switch_projects_off, totals

pytestmark = pytest.mark.django_db

colleague, bystander, project, phase, task = (
    scene.colleague,
    scene.bystander,
    scene.project,
    scene.phase,
    scene.task,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, task, *more):
    return reverse(name, args=[task.workspace.slug, task.pk, *more])


def _add(actor, task, **data):
    return add_update(workspace=actor.workspace, actor=actor, task_id=task.pk, data=data)


def test_a_member_sees_the_thread_the_total_and_the_form(client, member, colleague, task):
    _add(colleague, task, body="First line\nSecond line", minutes=90)
    client.force_login(member.user)
    html = client.get(_url("task_updates", task), **HTMX).content.decode()
    assert 'id="task-updates"' in html
    assert "First line<br>Second line" in html
    assert "Colleague" in html
    assert 'data-minutes="90"' in html
    assert "1 h 30 min" in html
    assert 'name="body"' in html
    assert 'name="minutes"' in html
    assert "Email all project members" in html


def test_without_time_tracking_the_form_asks_no_minutes(client, member):
    untracked = make_task(make_phase(make_project(member, "Retainer", track_time=False)))
    client.force_login(member.user)
    html = client.get(_url("task_updates", untracked), **HTMX).content.decode()
    assert 'name="body"' in html
    assert 'name="minutes"' not in html
    assert 'id="task-minutes-total"' not in html


def test_posting_with_htmx_answers_the_fresh_box(client, member, colleague, task):
    client.force_login(member.user)
    response = client.post(
        _url("task_update_add", task),
        {"body": "Wireframes done.", "minutes": "45", "notify": "on"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#task-updates"
    assert response["HX-Trigger"] == "projects:updates-changed"
    html = response.content.decode()
    assert "Wireframes done." in html
    assert 'data-minutes="45"' in html
    update = TaskUpdate.objects.get()
    assert (update.minutes, update.notify) == (45, True)
    assert totals(task) == (45, 45, 45)


def test_bad_input_comes_back_inline_with_422_and_nothing_saved(client, member, task):
    client.force_login(member.user)
    response = client.post(
        _url("task_update_add", task), {"body": "", "minutes": "-5", "notify": "on"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write the update." in html
    assert "Enter at least 1 minute, or leave the minutes empty." in html
    # What was typed stays in the form.
    assert 'value="-5"' in html
    assert not TaskUpdate.objects.exists()
    assert not UpdateMail.objects.exists()
    assert totals(task) == (0, 0, 0)


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "Enter at least 1 minute, or leave the minutes empty."),
        ("100000", "One update records at most 1440 minutes (a day); split longer work."),
        ("abc", "Enter the minutes spent as a whole number, such as 45."),
    ],
)
def test_bad_minutes_are_explained_beside_the_field(client, member, task, minutes, message):
    client.force_login(member.user)
    response = client.post(
        _url("task_update_add", task), {"body": "Worked.", "minutes": minutes}, **HTMX
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not TaskUpdate.objects.exists()


def test_minutes_posted_to_a_project_without_time_tracking_are_refused(client, member):
    untracked = make_task(make_phase(make_project(member, "Retainer", track_time=False)))
    client.force_login(member.user)
    response = client.post(
        _url("task_update_add", untracked), {"body": "Did it.", "minutes": "30"}, **HTMX
    )
    assert response.status_code == 422
    assert "This project does not track time" in response.content.decode()
    assert not TaskUpdate.objects.exists()


def test_without_htmx_a_post_redirects_and_a_refusal_is_the_page(client, member, task):
    client.force_login(member.user)
    done = client.post(_url("task_update_add", task), {"body": "Plain form."})
    assert done.status_code == 302
    assert done["Location"] == _url("task_detail", task) + "#task-updates"
    refused = client.post(_url("task_update_add", task), {"body": ""})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "<h1>Wireframes</h1>" in html
    assert "Write the update." in html
    assert TaskUpdate.objects.count() == 1


def test_a_workspace_member_outside_the_project_reads_but_may_not_post(
    client, bystander, member, task
):
    _add(member, task, body="Visible to the team.")
    client.force_login(bystander.user)
    html = client.get(_url("task_updates", task), **HTMX).content.decode()
    assert "Visible to the team." in html
    assert 'id="updates-readonly"' in html
    assert 'name="body"' not in html
    response = client.post(_url("task_update_add", task), {"body": "Sneaky"}, **HTMX)
    assert response.status_code == 403
    assert TaskUpdate.objects.count() == 1


def test_the_author_deletes_their_update_and_others_may_not(client, member, colleague, task):
    mine = _add(member, task, body="Mine.", minutes=20)
    theirs = _add(colleague, task, body="Theirs.", minutes=10)
    client.force_login(member.user)
    html = client.get(_url("task_updates", task), **HTMX).content.decode()
    assert _url("task_update_delete", task, mine.pk) in html
    assert _url("task_update_delete", task, theirs.pk) not in html

    refused = client.post(_url("task_update_delete", task, theirs.pk), **HTMX)
    assert refused.status_code == 403
    response = client.post(_url("task_update_delete", task, mine.pk), **HTMX)
    assert response.status_code == 200
    assert "Mine." not in response.content.decode()
    assert list(TaskUpdate.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert totals(task) == (10, 10, 10)


def test_an_admin_may_delete_any_update_and_sees_failed_emails(client, admin, member, task):
    update = _add(member, task, body="Emailed.", notify=False)
    UpdateMail.objects.create(
        workspace=member.workspace,
        update=update,
        recipients=["colleague@acme.test"],
        status=MailStatus.FAILED,
        attempts=5,
        last_error="ConnectionRefusedError: no",
    )
    client.force_login(admin.user)
    html = client.get(_url("task_updates", task), **HTMX).content.decode()
    assert "The email of this update could not be sent." in html
    assert reverse("update_mail_outbox", args=[task.workspace.slug]) in html
    assert _url("task_update_delete", task, update.pk) in html


def test_members_are_not_told_about_failed_emails(client, member, task):
    update = _add(member, task, body="Emailed.")
    UpdateMail.objects.create(
        workspace=member.workspace, update=update, recipients=["x@acme.test"], status="failed"
    )
    client.force_login(member.user)
    html = client.get(_url("task_updates", task), **HTMX).content.decode()
    assert "could not be sent" not in html


def test_older_updates_load_by_cursor(client, member, task):
    for n in range(25):
        _add(member, task, body=f"Update number {n:02d}.")
    client.force_login(member.user)
    first = client.get(_url("task_updates", task), **HTMX).content.decode()
    assert "Update number 24." in first
    assert "Update number 04." not in first
    assert 'id="updates-more"' in first
    cursor = first.split("?cursor=")[1].split('"')[0]
    more = client.get(_url("task_updates", task), {"cursor": cursor}, **HTMX).content.decode()
    assert "Update number 04." in more
    assert "Update number 24." not in more
    assert client.get(_url("task_updates", task), {"cursor": "bad!"}, **HTMX).status_code == 404


def test_the_box_costs_the_same_at_2_and_20_updates(client, member, colleague, task):
    client.force_login(member.user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url("task_updates", task), **HTMX)
        assert response.status_code == 200
        return len(queries)

    for _ in range(2):
        _add(colleague, task, body="Some.", minutes=5)
    count()  # The first visit notes the workspace as the user's last one.
    few = count()
    for _ in range(18):
        _add(member, task, body="More.", minutes=5)
    assert count() == few


def test_another_workspaces_task_is_404(client, outsider, member, task):
    update = _add(member, task, body="Ours.")
    client.force_login(outsider.user)
    slug = outsider.workspace.slug
    assert client.get(reverse("task_updates", args=[slug, task.pk])).status_code == 404
    assert (
        client.post(reverse("task_update_add", args=[slug, task.pk]), {"body": "x"}).status_code
        == 404
    )
    delete = reverse("task_update_delete", args=[slug, task.pk, update.pk])
    assert client.post(delete).status_code == 404
    assert TaskUpdate.objects.count() == 1


def test_with_the_module_off_every_page_is_404(client, member, workspace, task):
    update = _add(member, task, body="Before.")
    switch_projects_off(workspace)
    client.force_login(member.user)
    assert client.get(_url("task_updates", task)).status_code == 404
    assert client.post(_url("task_update_add", task), {"body": "x"}).status_code == 404
    assert client.post(_url("task_update_delete", task, update.pk)).status_code == 404
    assert TaskUpdate.objects.count() == 1


def test_the_task_page_shows_the_box(client, member, colleague, task):
    _add(colleague, task, body="On the task page.", minutes=30)
    client.force_login(member.user)
    html = client.get(_url("task_detail", task)).content.decode()
    assert 'id="task-updates"' in html
    assert "On the task page." in html
    assert 'name="body"' in html


def test_the_task_page_include_builds_its_own_context(rf, member, colleague, task):
    """What the task page does: include the partial with task, project, can_edit, request."""
    _add(colleague, task, body="Seen through the include.", minutes=30)
    request = rf.get("/")
    request.user, request.membership, request.workspace = member.user, member, member.workspace
    html = Template('{% include "projects/partials/task_updates.html" %}').render(
        Context(
            {
                "task": task,
                "project": task.project,
                "can_edit": False,
                "request": request,
                "workspace": member.workspace,
            }
        )
    )
    assert "Seen through the include." in html
    # can_edit from the page wins: no form.
    assert 'id="updates-readonly"' in html
    assert 'name="body"' not in html
