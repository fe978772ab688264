"""/api/v1 phases, tasks and common tasks: exact shapes, filters, paging, who may write,
the module switch, other workspaces, and a fixed number of queries per list."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.models import Category
from rapport.projects.models import CommonTask, Phase, Task
from tests.api_client import ApiV1 as Api
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db

TASK_KEYS = {
    "id",
    "project_id",
    "phase_id",
    "title",
    "description",
    "category_id",
    "status",
    "priority",
    "assignee_ids",
    "due_date",
    "position",
    "minutes_total",
}


@pytest.fixture
def project(owner, member):
    return make_project(owner, members=[member])


@pytest.fixture
def phase(project):
    return make_phase(project, "Design")


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


@pytest.fixture
def stranger(workspace):
    return make_member(workspace, "stranger@acme.test")


@pytest.fixture
def as_stranger(client, stranger):
    return Api(client, stranger)


@pytest.fixture
def as_outsider(client, outsider):
    return Api(client, outsider)


# --- phases ---------------------------------------------------------------------------------


def test_phases_list_in_order_with_their_minutes(as_member, project):
    b = make_phase(project, "Build", position=1)
    a = make_phase(project, "Design", position=0)
    Phase.objects.filter(pk=b.pk).update(minutes_total=90)
    response = as_member.get(f"/projects/{project.pk}/phases")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"id": a.pk, "name": "Design", "position": 0, "minutes_total": 0},
            {"id": b.pk, "name": "Build", "position": 1, "minutes_total": 90},
        ],
        "next": None,
    }


def test_phases_page_with_a_cursor(as_member, project):
    for i in range(3):
        make_phase(project, f"P{i}")
    first = as_member.get(f"/projects/{project.pk}/phases", {"limit": 2}).json()
    rest = as_member.get(f"/projects/{project.pk}/phases", {"cursor": first["next"]}).json()
    assert [p["name"] for p in first["items"] + rest["items"]] == ["P0", "P1", "P2"]
    assert rest["next"] is None


def test_a_phase_is_created_renamed_moved_and_deleted(as_member, project):
    make_phase(project, "First")
    response = as_member.post(f"/projects/{project.pk}/phases", {"name": "Second"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created == {"id": created["id"], "name": "Second", "position": 1, "minutes_total": 0}
    path = f"/projects/{project.pk}/phases/{created['id']}"
    response = as_member.patch(path, {"name": "Launch", "position": 0})
    assert response.json() == {**created, "name": "Launch", "position": 0}
    assert as_member.get(path).json()["name"] == "Launch"
    assert as_member.delete(path).status_code == 204
    assert as_member.get(path).status_code == 404


def test_a_phase_with_tasks_is_deleted_only_with_confirm(as_member, project, phase):
    make_task(phase, "Left")
    path = f"/projects/{project.pk}/phases/{phase.pk}"
    response = as_member.delete(path)
    assert response.status_code == 409
    assert "1 task" in response.json()["detail"]
    assert Task.objects.count() == 1
    assert as_member.delete(f"{path}?confirm=true").status_code == 204
    assert not Task.objects.exists()


def test_a_phase_without_a_name_is_422(as_member, project):
    response = as_member.post(f"/projects/{project.pk}/phases", {"name": " "})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "Name the phase."}]
    assert not Phase.objects.exists()


def test_a_non_member_reads_phases_but_may_not_change_them(as_stranger, project, phase):
    assert as_stranger.get(f"/projects/{project.pk}/phases").status_code == 200
    path = f"/projects/{project.pk}/phases/{phase.pk}"
    for response in (
        as_stranger.post(f"/projects/{project.pk}/phases", {"name": "X"}),
        as_stranger.patch(path, {"name": "X"}),
        as_stranger.delete(path),
    ):
        assert response.status_code == 403
    phase.refresh_from_db()
    assert phase.name == "Design"
    assert Phase.objects.count() == 1


def test_another_workspaces_phases_are_404(as_outsider, project, phase):
    path = f"/projects/{project.pk}/phases/{phase.pk}"
    assert as_outsider.get(f"/projects/{project.pk}/phases").status_code == 404
    assert as_outsider.post(f"/projects/{project.pk}/phases", {"name": "X"}).status_code == 404
    assert as_outsider.get(path).status_code == 404
    assert as_outsider.patch(path, {"name": "X"}).status_code == 404
    assert as_outsider.delete(path).status_code == 404
    assert Phase.objects.count() == 1


def test_a_phase_of_another_project_under_this_one_is_404(as_member, member, project):
    other = make_phase(make_project(member, "Other"), "Elsewhere")
    assert as_member.get(f"/projects/{project.pk}/phases/{other.pk}").status_code == 404


# --- tasks ----------------------------------------------------------------------------------


def test_a_task_has_exactly_the_contract_shape(as_member, workspace, member, project, phase):
    design = task_category(workspace)
    response = as_member.post(
        "/tasks",
        {
            "phase_id": phase.pk,
            "title": "Wireframes",
            "description": "Home page",
            "category_id": design.pk,
            "priority": "high",
            "assignee_ids": [member.user_id],
            "due_date": "2026-12-24",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == TASK_KEYS
    assert body == {
        "id": body["id"],
        "project_id": project.pk,
        "phase_id": phase.pk,
        "title": "Wireframes",
        "description": "Home page",
        "category_id": design.pk,
        "status": "todo",
        "priority": "high",
        "assignee_ids": [member.user_id],
        "due_date": "2026-12-24",
        "position": 0,
        "minutes_total": 0,
    }
    assert as_member.get(f"/tasks/{body['id']}").json() == body


def test_a_task_is_updated_and_deleted(as_member, owner, phase):
    task = make_task(phase, "Draft")
    response = as_member.patch(
        f"/tasks/{task.pk}", {"status": "in_progress", "assignee_ids": [owner.user_id]}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["assignee_ids"]) == (
        "in_progress",
        [owner.user_id],
    )
    assert as_member.delete(f"/tasks/{task.pk}").status_code == 204
    assert as_member.get(f"/tasks/{task.pk}").status_code == 404


def test_bad_task_input_is_422_with_every_field_and_nothing_saved(
    as_member, workspace, admin, phase
):
    label = Category.objects.filter(workspace=workspace, kind="labels").first()
    response = as_member.post(
        "/tasks",
        {
            "phase_id": phase.pk,
            "title": "",
            "category_id": label.pk,
            "assignee_ids": [admin.user_id],
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "title",
        "category_id",
        "assignee_ids",
    }
    response = as_member.post("/tasks", {"phase_id": phase.pk, "title": "T", "status": "later"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    assert not Task.objects.exists()


def test_moving_a_task_to_another_projects_phase_is_422(as_member, member, phase):
    other = make_phase(make_project(member, "Other"), "Elsewhere")
    task = make_task(phase, "Stay")
    response = as_member.patch(f"/tasks/{task.pk}", {"phase_id": other.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "phase_id", "message": "Choose a phase of the same project."}
    ]
    task.refresh_from_db()
    assert task.phase_id == phase.pk


def test_a_non_member_reads_tasks_but_gets_403_on_writes(as_stranger, phase):
    task = make_task(phase, "Mine")
    assert as_stranger.get(f"/tasks/{task.pk}").status_code == 200
    assert as_stranger.post("/tasks", {"phase_id": phase.pk, "title": "X"}).status_code == 403
    assert as_stranger.patch(f"/tasks/{task.pk}", {"title": "X"}).status_code == 403
    assert as_stranger.delete(f"/tasks/{task.pk}").status_code == 403
    task.refresh_from_db()
    assert task.title == "Mine"
    assert Task.objects.count() == 1


def test_another_workspaces_tasks_are_404(as_outsider, phase):
    task = make_task(phase, "Mine")
    assert as_outsider.get(f"/tasks/{task.pk}").status_code == 404
    assert as_outsider.patch(f"/tasks/{task.pk}", {"title": "X"}).status_code == 404
    assert as_outsider.delete(f"/tasks/{task.pk}").status_code == 404
    assert as_outsider.get("/tasks").json() == {"items": [], "next": None}
    # Their phase id in a body is simply not a phase of theirs.
    response = as_outsider.post("/tasks", {"phase_id": phase.pk, "title": "X"})
    assert response.status_code == 422
    assert Task.objects.count() == 1


def test_the_module_switched_off_hides_every_path(as_member, workspace, project, phase):
    task = make_task(phase, "Hidden")
    workspace.modules = {"projects": False}
    workspace.save(update_fields=["modules"])
    for response in (
        as_member.get(f"/projects/{project.pk}/phases"),
        as_member.get(f"/projects/{project.pk}/phases/{phase.pk}"),
        as_member.post(f"/projects/{project.pk}/phases", {"name": "X"}),
        as_member.get("/tasks"),
        as_member.get(f"/tasks/{task.pk}"),
        as_member.patch(f"/tasks/{task.pk}", {"title": "X"}),
        as_member.post("/tasks", {"phase_id": phase.pk, "title": "X"}),
        as_member.get("/common-tasks"),
        as_member.post("/common-tasks", {"title": "X"}),
        as_member.post(f"/projects/{project.pk}/phases/{phase.pk}/common-tasks", {}),
    ):
        assert response.status_code == 404, response.request
    assert Task.objects.count() == 1
    assert not CommonTask.objects.exists()


@pytest.fixture
def spread(workspace, owner, member, project, phase):
    """Tasks across two projects with different assignees, statuses, categories, dates."""
    other = make_project(owner, "Other")
    other_phase = make_phase(other, "Only")
    build = make_phase(project, "Build")
    design, meeting = task_category(workspace), task_category(workspace, "Meeting")
    import datetime as dt

    return {
        "mine": make_task(phase, "Mine", assignees=[member], category=design),
        "done": make_task(phase, "Done", status="done", due_date=dt.date(2026, 1, 10)),
        "build": make_task(build, "Build", assignees=[owner, member], due_date=dt.date(2026, 3, 1)),
        "other": make_task(other_phase, "Other", assignees=[owner], category=meeting),
        "projects": (project, other),
        "phases": (phase, build),
        "categories": (design, meeting),
    }


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["title"] for t in response.json()["items"]]


def test_tasks_filter_by_each_parameter(as_member, owner, spread):
    project, other = spread["projects"]
    phase, build = spread["phases"]
    design, meeting = spread["categories"]
    assert titles(as_member.get("/tasks", {"project": project.pk})) == ["Mine", "Done", "Build"]
    assert titles(as_member.get("/tasks", {"project": other.pk})) == ["Other"]
    assert titles(as_member.get("/tasks", {"phase": build.pk})) == ["Build"]
    assert titles(as_member.get("/tasks", {"assignee": "me"})) == ["Mine", "Build"]
    assert titles(as_member.get("/tasks", {"assignee": owner.user_id})) == ["Build", "Other"]
    assert titles(as_member.get("/tasks", {"status": "done"})) == ["Done"]
    assert titles(as_member.get("/tasks", {"category": meeting.pk})) == ["Other"]
    assert titles(as_member.get("/tasks", {"due_before": "2026-03-01"})) == ["Done"]
    assert titles(
        as_member.get("/tasks", {"assignee": "me", "project": project.pk, "phase": phase.pk})
    ) == ["Mine"]


def test_bad_task_filters_are_422(as_member, spread):
    for params in (
        {"assignee": "you"},
        {"status": "later"},
        {"due_before": "soon"},
        {"project": "0"},
        {"cursor": "nonsense"},
        {"limit": 500},
    ):
        response = as_member.get("/tasks", params)
        assert response.status_code == 422, params


def test_tasks_page_by_cursor_without_repeats(as_member, phase):
    for i in range(5):
        make_task(phase, f"T{i}")
    seen, cursor = [], None
    while True:
        body = as_member.get("/tasks", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += titles(body)
        cursor = body.json()["next"]
        if cursor is None:
            break
    assert seen == [f"T{i}" for i in range(5)]


def test_the_task_list_costs_the_same_queries_for_many_tasks(
    as_member, owner, member, phase, django_assert_max_num_queries
):
    design = task_category(phase.workspace)
    make_task(phase, "Warm", assignees=[member])
    as_member.get("/tasks")
    with django_assert_max_num_queries(6) as few:
        assert len(titles(as_member.get("/tasks"))) == 1
    for i in range(30):
        make_task(phase, f"T{i}", assignees=[owner, member], category=design)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(titles(as_member.get("/tasks", {"assignee": "me"}))) == 31


# --- common tasks ---------------------------------------------------------------------------


def test_the_library_lists_creates_changes_and_deletes(as_member, workspace):
    design = task_category(workspace)
    response = as_member.post(
        "/common-tasks",
        {"title": "Kick-off", "description": "Agenda", "category_id": design.pk},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created == {
        "id": created["id"],
        "title": "Kick-off",
        "description": "Agenda",
        "category_id": design.pk,
        "estimate_minutes": None,
    }
    as_member.post("/common-tasks", {"title": "Audit", "estimate_minutes": 90})
    assert [c["title"] for c in as_member.get("/common-tasks").json()["items"]] == [
        "Audit",
        "Kick-off",
    ]
    path = f"/common-tasks/{created['id']}"
    assert as_member.patch(path, {"estimate_minutes": 45}).json()["estimate_minutes"] == 45
    assert as_member.get(path).json()["estimate_minutes"] == 45
    assert as_member.delete(path).status_code == 204
    assert as_member.get(path).status_code == 404


def test_an_absurd_estimate_is_422(as_member):
    for value in (-5, 100_001):
        response = as_member.post("/common-tasks", {"title": "T", "estimate_minutes": value})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "estimate_minutes"
    assert not CommonTask.objects.exists()


def test_another_workspaces_library_is_404(as_outsider, member):
    from rapport.projects.services import tasks as services

    item = services.create_common_task(
        workspace=member.workspace, actor=member, data={"title": "Ours"}
    )
    assert as_outsider.get(f"/common-tasks/{item.pk}").status_code == 404
    assert as_outsider.patch(f"/common-tasks/{item.pk}", {"title": "X"}).status_code == 404
    assert as_outsider.delete(f"/common-tasks/{item.pk}").status_code == 404
    assert as_outsider.get("/common-tasks").json()["items"] == []


def test_common_tasks_are_added_to_a_phase_in_one_step(as_member, member, project, phase):
    from rapport.projects.services import tasks as services

    a, b = (
        services.create_common_task(workspace=member.workspace, actor=member, data={"title": t})
        for t in ("Brief", "Review")
    )
    response = as_member.post(
        f"/projects/{project.pk}/phases/{phase.pk}/common-tasks", {"common_task_ids": [a.pk, b.pk]}
    )
    assert response.status_code == 201, response.content
    items = response.json()["items"]
    assert [(t["title"], t["position"], t["phase_id"]) for t in items] == [
        ("Brief", 0, phase.pk),
        ("Review", 1, phase.pk),
    ]
    assert set(items[0]) == TASK_KEYS


def test_adding_an_unknown_common_task_adds_none(as_member, member, project, phase):
    from rapport.projects.services import tasks as services

    a = services.create_common_task(workspace=member.workspace, actor=member, data={"title": "A"})
    response = as_member.post(
        f"/projects/{project.pk}/phases/{phase.pk}/common-tasks",
        {"common_task_ids": [a.pk, 999_999]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "common_task_ids"
    assert not Task.objects.exists()


def test_a_non_member_may_not_add_common_tasks_to_a_phase(as_stranger, stranger, project, phase):
    from rapport.projects.services import tasks as services

    a = services.create_common_task(
        workspace=stranger.workspace, actor=stranger, data={"title": "A"}
    )
    response = as_stranger.post(
        f"/projects/{project.pk}/phases/{phase.pk}/common-tasks", {"common_task_ids": [a.pk]}
    )
    assert response.status_code == 403
    assert not Task.objects.exists()


# --- no bad input reaches a 500 --------------------------------------------------------------

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(max_size=20)
    | st.sampled_from(["todo", "done", "high", "2026-02-30", "2026-12-01", "me", "\x00"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)
TASK_FIELDS = sorted(TASK_KEYS - {"id", "project_id", "minutes_total"})


@FUZZ
@given(body=st.dictionaries(st.sampled_from(TASK_FIELDS), JSON, max_size=6))
def test_any_task_body_is_answered_without_a_server_error(as_member, phase, body):
    task = make_task(phase, "Target")
    created = as_member.post("/tasks", {"phase_id": phase.pk, **body})
    assert created.status_code in (201, 422), created.content
    updated = as_member.patch(f"/tasks/{task.pk}", body)
    assert updated.status_code in (200, 422), updated.content
    if updated.status_code == 422:
        task.refresh_from_db()
        assert task.title == "Target"


@FUZZ
@given(
    name=JSON,
    position=JSON,
    ids=JSON,
    query=st.dictionaries(
        st.sampled_from(["project", "phase", "assignee", "status", "category", "due_before"]),
        st.text(max_size=12),
        max_size=3,
    ),
)
def test_any_phase_body_or_task_filter_is_answered_without_a_server_error(
    as_member, project, phase, name, position, ids, query
):
    base = f"/projects/{project.pk}/phases"
    assert as_member.post(base, {"name": name}).status_code in (201, 422)
    patched = as_member.patch(f"{base}/{phase.pk}", {"name": name, "position": position})
    assert patched.status_code in (200, 422), patched.content
    added = as_member.post(f"{base}/{phase.pk}/common-tasks", {"common_task_ids": ids})
    assert added.status_code == 422, added.content
    assert as_member.get("/tasks", query).status_code in (200, 422)
