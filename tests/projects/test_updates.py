"""Task updates through the service and /api/v1/tasks/{id}/updates: what is saved, the
minutes in the totals, who may write, bad input refused with nothing changed, 404s."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.errors import Forbidden, Invalid, NotFound
from rapport.core.models import Activity
from rapport.projects.models import MAX_UPDATE_MINUTES, TaskUpdate, UpdateMail
from rapport.projects.services.updates import add_update, delete_update
from tests.api_client import Api
from tests.core.factories import make_member
from tests.projects import updates_helpers as scene
from tests.projects.factories import make_phase, make_project, make_task
from tests.projects.updates_helpers import switch_projects_off, totals

# The shared scene's fixtures (see updates_helpers).
colleague, bystander, project, phase, task = (
    scene.colleague,
    scene.bystander,
    scene.project,
    scene.phase,
    scene.task,
)

pytestmark = pytest.mark.django_db

UPDATE_KEYS = {"id", "author_id", "body", "minutes", "notify", "created_at"}


def _add(actor, task, **data):
    return add_update(workspace=actor.workspace, actor=actor, task_id=task.pk, data=data)


# --- the service ---------------------------------------------------------------------


def test_an_update_adds_its_minutes_to_task_phase_and_project(member, task):
    other = make_task(task.phase, "Mockups")
    _add(member, task, body="Sketched the home page.", minutes=90)
    _add(member, other, body="Started.", minutes=30)
    assert totals(task) == (90, 120, 120)
    other.refresh_from_db()
    assert other.minutes_total == 30


def test_an_update_is_saved_with_its_author_and_recorded_on_the_timeline(member, task):
    update = _add(member, task, body="  Line one\r\nLine two  ", minutes=15)
    assert (update.author_id, update.body, update.minutes, update.notify) == (
        member.user_id,
        "Line one\nLine two",
        15,
        False,
    )
    row = Activity.objects.get(verb="task.update")
    assert row.summary == "Update on “Wireframes” (15 min)"


def test_minutes_may_be_left_out(member, task):
    update = _add(member, task, body="No time to log.", minutes="")
    assert update.minutes is None
    assert totals(task) == (0, 0, 0)


def test_minutes_arrive_as_digits_from_a_form(member, task):
    assert _add(member, task, body="From the form.", minutes=" 45 ").minutes == 45
    assert totals(task)[0] == 45


def test_the_update_of_a_company_project_shows_on_the_company_timeline(member, task):
    from tests.customers.factories import make_company

    company = make_company(member, name="Initech")
    task.project.company = company
    task.project.save(update_fields=["company"])
    _add(member, task, body="Kick-off done.")
    assert Activity.objects.filter(
        verb="task.update", target_type="company", target_id=company.pk
    ).exists()


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (-5, "Enter at least 1 minute, or leave the minutes empty."),
        ("-5", "Enter at least 1 minute, or leave the minutes empty."),
        (0, "Enter at least 1 minute, or leave the minutes empty."),
        (100000, "One update records at most 1440 minutes (a day); split longer work."),
        (
            MAX_UPDATE_MINUTES + 1,
            "One update records at most 1440 minutes (a day); split longer work.",
        ),
        (
            "99999999999999999999",
            "One update records at most 1440 minutes (a day); split longer work.",
        ),
        ("abc", "Enter the minutes spent as a whole number, such as 45."),
        ("1.5", "Enter the minutes spent as a whole number, such as 45."),
        (1.5, "Enter the minutes spent as a whole number, such as 45."),
        (True, "Enter the minutes spent as a whole number, such as 45."),
        ([30], "Enter the minutes spent as a whole number, such as 45."),
    ],
)
def test_bad_minutes_are_refused_and_nothing_changes(member, task, minutes, message):
    with pytest.raises(Invalid) as caught:
        _add(member, task, body="Worked on it.", minutes=minutes, notify=True)
    assert caught.value.errors == [{"field": "minutes", "message": message}]
    assert not TaskUpdate.objects.exists()
    assert not UpdateMail.objects.exists()
    assert not Activity.objects.filter(verb="task.update").exists()
    assert totals(task) == (0, 0, 0)


def test_a_whole_day_is_the_most_one_update_records(member, task):
    _add(member, task, body="Long day.", minutes=MAX_UPDATE_MINUTES)
    assert totals(task) == (MAX_UPDATE_MINUTES,) * 3


def test_minutes_on_a_project_that_does_not_track_time_are_refused(member):
    untracked = make_project(member, "Retainer", track_time=False)
    task = make_task(make_phase(untracked))
    with pytest.raises(Invalid) as caught:
        _add(member, task, body="Did things.", minutes=30)
    assert caught.value.errors == [
        {
            "field": "minutes",
            "message": "This project does not track time: leave the minutes empty.",
        }
    ]
    assert not TaskUpdate.objects.exists()
    assert totals(task) == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write the update."),
        ("   \n ", "Write the update."),
        (None, "Write the update."),
        (42, "Enter the update as text."),
        ("x" * 20_001, "Use at most 20000 characters."),
        ("nul\x00byte", "Remove the control characters."),
        ("lone \ud800 surrogate", "Remove the control characters."),
    ],
)
def test_a_bad_body_is_refused(member, task, body, message):
    with pytest.raises(Invalid) as caught:
        _add(member, task, body=body, minutes=30)
    assert caught.value.errors == [{"field": "body", "message": message}]
    assert not TaskUpdate.objects.exists()
    assert totals(task) == (0, 0, 0)


def test_every_bad_field_is_reported_at_once(member, task):
    with pytest.raises(Invalid) as caught:
        _add(member, task, body="", minutes=-1, notify="yes")
    assert [e["field"] for e in caught.value.errors] == ["body", "minutes", "notify"]


def test_the_longest_body_is_accepted(member, task):
    assert len(_add(member, task, body="y" * 20_000).body) == 20_000


def test_a_workspace_member_outside_the_project_may_not_post(bystander, task):
    with pytest.raises(Forbidden):
        _add(bystander, task, body="Drive-by comment.", minutes=10, notify=True)
    assert not TaskUpdate.objects.exists()
    assert not UpdateMail.objects.exists()
    assert totals(task) == (0, 0, 0)


def test_an_admin_outside_the_project_may_post(admin, task):
    assert _add(admin, task, body="Checked in.").author_id == admin.user_id


def test_another_workspaces_task_is_not_found(outsider, task):
    with pytest.raises(NotFound):
        _add(outsider, task, body="Hello?")
    assert not TaskUpdate.objects.exists()


def test_with_the_module_off_the_task_is_not_found(member, workspace, task):
    switch_projects_off(workspace)
    member.workspace.refresh_from_db()
    with pytest.raises(NotFound):
        _add(member, task, body="Hello?")


def test_notify_queues_one_mail_to_the_other_members(member, colleague, admin, task):
    third = make_member(member.workspace, "third@acme.test")
    task.project.memberships.create(workspace=member.workspace, user=third.user)
    update = _add(member, task, body="Please review.", notify=True)
    mail = UpdateMail.objects.get(update=update)
    # The author is left out; the admin is no project member.
    assert mail.recipients == ["colleague@acme.test", "third@acme.test"]


def test_people_who_left_the_workspace_get_no_mail(member, colleague, owner, task):
    from rapport.core import services as core_services

    core_services.member_remove(workspace=member.workspace, actor=owner, user_id=colleague.user_id)
    third = make_member(member.workspace, "third@acme.test")
    task.project.memberships.get_or_create(workspace=member.workspace, user=third.user)
    # Whatever became of the project membership, the colleague left the workspace.
    task.project.memberships.get_or_create(workspace=member.workspace, user=colleague.user)
    update = _add(member, task, body="Only current staff.", notify=True)
    assert UpdateMail.objects.get(update=update).recipients == ["third@acme.test"]


def test_notify_without_other_members_sends_nothing(member):
    solo = make_project(member, "Solo")
    task = make_task(make_phase(solo))
    update = _add(member, task, body="Note to self.", notify=True)
    assert update.notify is True
    assert not UpdateMail.objects.exists()


def test_deleting_an_update_takes_its_minutes_off_the_totals(member, task):
    keep = _add(member, task, body="First.", minutes=20)
    gone = _add(member, task, body="Second.", minutes=40)
    delete_update(workspace=member.workspace, actor=member, task_id=task.pk, update_id=gone.pk)
    assert list(TaskUpdate.objects.values_list("pk", flat=True)) == [keep.pk]
    assert totals(task) == (20, 20, 20)
    assert Activity.objects.filter(verb="task.update_deleted").count() == 1


def test_only_the_author_or_an_admin_may_delete_an_update(member, colleague, admin, task):
    update = _add(member, task, body="Mine.", minutes=20)
    with pytest.raises(Forbidden):
        delete_update(
            workspace=member.workspace, actor=colleague, task_id=task.pk, update_id=update.pk
        )
    assert totals(task) == (20, 20, 20)
    delete_update(workspace=member.workspace, actor=admin, task_id=task.pk, update_id=update.pk)
    assert totals(task) == (0, 0, 0)


def test_an_update_of_another_task_is_not_found(member, task):
    other = make_task(task.phase, "Other")
    update = _add(member, other, body="Elsewhere.", minutes=5)
    with pytest.raises(NotFound):
        delete_update(
            workspace=member.workspace, actor=member, task_id=task.pk, update_id=update.pk
        )
    assert TaskUpdate.objects.filter(pk=update.pk).exists()


# --- the API -------------------------------------------------------------------------


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


def test_the_api_posts_lists_and_deletes_updates(as_member, member, task):
    url = f"/api/v1/tasks/{task.pk}/updates"
    created = as_member.post(url, {"body": "Done the wireframes.", "minutes": 120})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert set(body) == UPDATE_KEYS
    assert (body["author_id"], body["body"], body["minutes"], body["notify"]) == (
        member.user_id,
        "Done the wireframes.",
        120,
        False,
    )
    listed = as_member.get(url).json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert set(listed["items"][0]) == UPDATE_KEYS
    assert as_member.delete(f"{url}/{body['id']}").status_code == 204
    assert as_member.get(url).json() == {"items": [], "next": None}
    assert totals(task) == (0, 0, 0)


def test_the_api_pages_newest_first_in_a_fixed_number_of_queries(
    as_member, member, task, django_assert_max_num_queries
):
    ids = [_add(member, task, body=f"Update {n}").pk for n in range(5)]
    url = f"/api/v1/tasks/{task.pk}/updates"
    with django_assert_max_num_queries(8):
        first = as_member.get(url, {"limit": 3}).json()
    assert [i["id"] for i in first["items"]] == ids[::-1][:3]
    with django_assert_max_num_queries(8):
        rest = as_member.get(url, {"limit": 3, "cursor": first["next"]}).json()
    assert [i["id"] for i in rest["items"]] == ids[::-1][3:]
    assert rest["next"] is None


def test_the_api_refuses_a_bad_cursor_and_limit(as_member, task):
    url = f"/api/v1/tasks/{task.pk}/updates"
    assert as_member.get(url, {"cursor": "not-a-cursor"}).status_code == 422
    assert as_member.get(url, {"limit": 500}).status_code == 422


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x", "minutes": -10}, "minutes"),
        ({"body": "x", "minutes": 0}, "minutes"),
        ({"body": "x", "minutes": 100000}, "minutes"),
        ({"body": "x", "minutes": "abc"}, "minutes"),
        ({"body": "", "minutes": 10}, "body"),
        ({"minutes": 10}, "body"),
        ({"body": "x", "notify": "sometimes"}, "notify"),
        ({"body": "x", "surprise": 1}, "surprise"),
    ],
)
def test_the_api_answers_bad_input_with_422_and_saves_nothing(as_member, task, payload, field):
    response = as_member.post(f"/api/v1/tasks/{task.pk}/updates", payload)
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not TaskUpdate.objects.exists()
    assert totals(task) == (0, 0, 0)


def test_the_api_refuses_a_lone_surrogate_in_the_body_with_422(as_member, task):
    response = as_member.client.post(
        f"/api/v1/tasks/{task.pk}/updates",
        '{"body": "half \\ud800 a character"}',
        content_type="application/json",
        **as_member.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "Remove the control characters."}
    ]
    assert not TaskUpdate.objects.exists()


def test_the_api_refuses_a_non_member_with_403(client, bystander, task):
    them = Api(client, bystander)
    url = f"/api/v1/tasks/{task.pk}/updates"
    assert them.get(url).status_code == 200
    response = them.post(url, {"body": "Hi", "minutes": 5})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only the project's members and admins can change this project."
    )
    assert not TaskUpdate.objects.exists()


def test_the_api_refuses_deleting_someone_elses_update_with_403(client, member, colleague, task):
    update = _add(member, task, body="Mine.", minutes=5)
    response = Api(client, colleague).delete(f"/api/v1/tasks/{task.pk}/updates/{update.pk}")
    assert response.status_code == 403
    assert TaskUpdate.objects.filter(pk=update.pk).exists()


def test_another_workspaces_task_is_404_on_every_path(client, member, outsider, task):
    update = _add(member, task, body="Ours.")
    them = Api(client, outsider)
    url = f"/api/v1/tasks/{task.pk}/updates"
    assert them.get(url).status_code == 404
    assert them.post(url, {"body": "Theirs"}).status_code == 404
    assert them.delete(f"{url}/{update.pk}").status_code == 404
    assert TaskUpdate.objects.count() == 1


def test_with_the_module_off_every_path_is_404(as_member, member, workspace, task):
    update = _add(member, task, body="Before.")
    switch_projects_off(workspace)
    url = f"/api/v1/tasks/{task.pk}/updates"
    assert as_member.get(url).status_code == 404
    assert as_member.post(url, {"body": "After"}).status_code == 404
    assert as_member.delete(f"{url}/{update.pk}").status_code == 404
    assert TaskUpdate.objects.count() == 1


def test_unknown_ids_are_404_and_absurd_ids_422(as_member, task):
    assert as_member.get("/api/v1/tasks/999999/updates").status_code == 404
    assert as_member.delete(f"/api/v1/tasks/{task.pk}/updates/999999").status_code == 404
    assert as_member.get("/api/v1/tasks/0/updates").status_code == 422
    assert as_member.get(f"/api/v1/tasks/{2**64}/updates").status_code == 422


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    payload=st.fixed_dictionaries(
        {},
        optional={
            "body": JSON_VALUES | st.text(min_size=1, max_size=50),
            "minutes": JSON_VALUES | st.integers(min_value=-5, max_value=MAX_UPDATE_MINUTES + 5),
            "notify": JSON_VALUES,
        },
    )
)
def test_any_json_is_created_or_refused_and_the_totals_stay_the_sum(as_member, task, payload):
    response = as_member.post(f"/api/v1/tasks/{task.pk}/updates", payload)
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        assert 1 <= (response.json()["minutes"] or 1) <= MAX_UPDATE_MINUTES
    spent = sum(m or 0 for m in TaskUpdate.objects.values_list("minutes", flat=True))
    assert totals(task) == (spent, spent, spent)


def test_an_author_who_left_the_project_can_no_longer_delete_their_update(
    workspace, project, task, colleague
):
    from rapport.projects.models import ProjectMember

    update = add_update(
        workspace=workspace,
        actor=colleague,
        task_id=task.pk,
        data={"body": "Measured twice.", "minutes": 40},
    )
    ProjectMember.objects.filter(project=project, user=colleague.user).delete()

    with pytest.raises(Forbidden):
        delete_update(workspace=workspace, actor=colleague, task_id=task.pk, update_id=update.pk)
    assert TaskUpdate.objects.filter(pk=update.pk).exists()
    assert totals(task) == (40, 40, 40)
