"""Writing phases, tasks and common tasks: who may, what is refused (all errors at once,
nothing saved), where minutes go when tasks move or go, and the activity left behind."""

import datetime as dt

import pytest

from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.core.models import Activity, Category
from rapport.projects.models import CommonTask, Phase, Project, Task, TaskAssignee
from rapport.projects.services import tasks as services
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner, member):
    return make_project(owner, members=[member])


@pytest.fixture
def phase(project):
    return make_phase(project, "Design")


def create_task(actor, **data):
    return services.create_task(workspace=actor.workspace, actor=actor, data=data)


def update_task(actor, task, **data):
    return services.update_task(workspace=actor.workspace, actor=actor, task_id=task.pk, data=data)


def fields(exc) -> set[str]:
    return {e["field"] for e in exc.value.errors}


def minutes(*rows) -> list[int]:
    out = []
    for row in rows:
        row.refresh_from_db(fields=["minutes_total"])
        out.append(row.minutes_total)
    return out


# --- phases ---------------------------------------------------------------------------------


def test_phases_are_appended_in_order_and_recorded(workspace, member, project):
    first = services.create_phase(
        workspace=workspace, actor=member, project_id=project.pk, data={"name": " Design "}
    )
    second = services.create_phase(
        workspace=workspace, actor=member, project_id=project.pk, data={"name": "Build"}
    )
    assert (first.name, first.position, second.position) == ("Design", 0, 1)
    activity = Activity.objects.get(verb="phase.created", summary__contains="Build")
    assert (activity.target_type, activity.target_id) == ("project", project.pk)


def test_a_phase_needs_a_name_of_at_most_200_characters(workspace, member, project):
    for name in ("", "   ", "x" * 201):
        with pytest.raises(Invalid) as exc:
            services.create_phase(
                workspace=workspace, actor=member, project_id=project.pk, data={"name": name}
            )
        assert fields(exc) == {"name"}
    with pytest.raises(Invalid):
        services.create_phase(workspace=workspace, actor=member, project_id=project.pk, data={})
    assert not Phase.objects.exists()


def test_a_staff_member_outside_the_project_may_not_add_phases(workspace, owner):
    project = make_project(owner)
    from tests.core.factories import make_member

    stranger = make_member(workspace, "stranger@acme.test")
    with pytest.raises(Forbidden):
        services.create_phase(
            workspace=workspace, actor=stranger, project_id=project.pk, data={"name": "X"}
        )
    assert not Phase.objects.exists()


def test_an_admin_who_is_not_a_member_may_change_phases(workspace, owner, admin, project):
    phase = services.create_phase(
        workspace=workspace, actor=admin, project_id=project.pk, data={"name": "Admin's"}
    )
    assert phase.project_id == project.pk


def test_another_workspaces_project_is_not_found(workspace, outsider, project):
    with pytest.raises(NotFound):
        services.create_phase(
            workspace=outsider.workspace,
            actor=outsider,
            project_id=project.pk,
            data={"name": "Sneaky"},
        )


def test_the_module_switched_off_refuses_every_write(workspace, member, project, phase):
    workspace.modules = {"projects": False}
    workspace.save(update_fields=["modules"])
    member.workspace.refresh_from_db()
    with pytest.raises(NotFound):
        services.create_phase(
            workspace=workspace, actor=member, project_id=project.pk, data={"name": "X"}
        )
    with pytest.raises(NotFound):
        create_task(member, phase_id=phase.pk, title="X")
    with pytest.raises(NotFound):
        services.create_common_task(workspace=workspace, actor=member, data={"title": "X"})
    assert not Task.objects.exists()
    assert not CommonTask.objects.exists()


def test_renaming_a_phase_records_the_change(workspace, member, project, phase):
    services.update_phase(
        workspace=workspace,
        actor=member,
        project_id=project.pk,
        phase_id=phase.pk,
        data={"name": "Discovery"},
    )
    phase.refresh_from_db()
    assert phase.name == "Discovery"
    activity = Activity.objects.get(verb="phase.updated")
    assert activity.changes == {"name": ["Design", "Discovery"]}


def test_moving_phases_up_down_and_to_an_index_renumbers_them(workspace, member, project):
    a, b, c = (make_phase(project, n) for n in "ABC")

    def order():
        return list(Phase.objects.order_by("position").values_list("name", flat=True))

    move = services.move_phase
    move(workspace=workspace, actor=member, project_id=project.pk, phase_id=c.pk, direction="up")
    assert order() == ["A", "C", "B"]
    move(workspace=workspace, actor=member, project_id=project.pk, phase_id=a.pk, direction="down")
    assert order() == ["C", "A", "B"]
    move(workspace=workspace, actor=member, project_id=project.pk, phase_id=b.pk, to=0)
    assert order() == ["B", "C", "A"]
    # Past either end stays at the end.
    move(workspace=workspace, actor=member, project_id=project.pk, phase_id=b.pk, direction="up")
    move(workspace=workspace, actor=member, project_id=project.pk, phase_id=a.pk, to=99)
    assert order() == ["B", "C", "A"]
    assert sorted(Phase.objects.values_list("position", flat=True)) == [0, 1, 2]


def test_an_empty_phase_deletes_without_confirmation(workspace, member, project):
    a, b, c = (make_phase(project, n) for n in "ABC")
    services.delete_phase(workspace=workspace, actor=member, project_id=project.pk, phase_id=b.pk)
    assert list(Phase.objects.order_by("position").values_list("name", "position")) == [
        ("A", 0),
        ("C", 1),
    ]
    assert Activity.objects.filter(verb="phase.deleted").count() == 1


def test_a_phase_with_tasks_needs_confirmation_saying_how_many_go(workspace, member, project):
    phase = make_phase(project, "Build")
    make_task(phase, "One")
    make_task(phase, "Two")
    with pytest.raises(Conflict) as exc:
        services.delete_phase(
            workspace=workspace, actor=member, project_id=project.pk, phase_id=phase.pk
        )
    assert exc.value.status == 409
    assert exc.value.message == (
        "Phase “Build” has 2 tasks: deleting it deletes them too. Confirm to delete all of them."
    )
    assert Task.objects.count() == 2
    services.delete_phase(
        workspace=workspace, actor=member, project_id=project.pk, phase_id=phase.pk, confirm=True
    )
    assert not Phase.objects.exists()
    assert not Task.objects.exists()


def test_deleting_a_phase_subtracts_its_minutes_from_the_project(workspace, member, project):
    keep, drop = make_phase(project, "Keep"), make_phase(project, "Drop")
    Phase.objects.filter(pk=keep.pk).update(minutes_total=30)
    Phase.objects.filter(pk=drop.pk).update(minutes_total=45)
    Project.objects.filter(pk=project.pk).update(minutes_total=75)
    make_task(drop, "Spent", minutes_total=45)
    services.delete_phase(
        workspace=workspace, actor=member, project_id=project.pk, phase_id=drop.pk, confirm=True
    )
    assert minutes(project) == [30]


def test_a_phase_of_another_project_is_not_found(workspace, member, project):
    other = make_project(member, "Other")
    foreign = make_phase(other, "Theirs")
    with pytest.raises(NotFound):
        services.update_phase(
            workspace=workspace,
            actor=member,
            project_id=project.pk,
            phase_id=foreign.pk,
            data={"name": "Mine"},
        )


# --- tasks ----------------------------------------------------------------------------------


def test_a_task_gets_every_field_and_lands_at_the_end_of_its_phase(
    workspace, owner, member, project, phase
):
    make_task(phase, "First")
    design = task_category(workspace)
    task = create_task(
        member,
        phase_id=phase.pk,
        title=" Wireframes ",
        description="Home and pricing",
        category_id=design.pk,
        status="in_progress",
        priority="high",
        assignee_ids=[member.user_id, owner.user_id],
        due_date="2026-12-01",
    )
    task.refresh_from_db()
    assert (task.project_id, task.phase_id, task.title, task.position) == (
        project.pk,
        phase.pk,
        "Wireframes",
        1,
    )
    assert (task.category_id, task.status, task.priority, task.due_date) == (
        design.pk,
        "in_progress",
        "high",
        dt.date(2026, 12, 1),
    )
    assert set(TaskAssignee.objects.filter(task=task).values_list("user_id", flat=True)) == {
        member.user_id,
        owner.user_id,
    }
    assert task.created_by_id == member.user_id
    assert Activity.objects.filter(verb="task.created", target_id=project.pk).count() == 1


def test_a_task_inserted_at_a_position_pushes_the_others_down(member, phase):
    make_task(phase, "A")
    make_task(phase, "B")
    create_task(member, phase_id=phase.pk, title="New", position=0)
    assert list(Task.objects.order_by("position").values_list("title", flat=True)) == [
        "New",
        "A",
        "B",
    ]


def test_an_assignee_who_is_not_a_project_member_is_refused(workspace, admin, member, phase):
    with pytest.raises(Invalid) as exc:
        create_task(member, phase_id=phase.pk, title="T", assignee_ids=[admin.user_id])
    assert exc.value.errors == [
        {
            "field": "assignee_ids",
            "message": (
                f"Only the project's members can be assigned; user {admin.user_id} is not one."
            ),
        }
    ]
    assert not Task.objects.exists()


def test_a_category_of_another_kind_is_refused(workspace, member, phase):
    label = Category.objects.filter(workspace=workspace, kind="labels").first()
    with pytest.raises(Invalid) as exc:
        create_task(member, phase_id=phase.pk, title="T", category_id=label.pk)
    assert exc.value.errors == [
        {"field": "category_id", "message": "Choose one of the workspace's task categories."}
    ]
    assert not Task.objects.exists()


def test_every_bad_field_is_reported_at_once(member, phase):
    with pytest.raises(Invalid) as exc:
        create_task(
            member,
            phase_id=phase.pk,
            title="",
            status="later",
            priority="urgent",
            due_date="31/12/2026",
            assignee_ids="everyone",
        )
    assert fields(exc) == {"title", "status", "priority", "due_date", "assignee_ids"}
    assert not Task.objects.exists()


def test_a_task_needs_a_phase_of_the_workspace(workspace, member, outsider):
    foreign = make_phase(make_project(outsider, "Theirs"), "Their phase")
    for phase_id in (None, 999_999, foreign.pk, "abc"):
        with pytest.raises(Invalid) as exc:
            create_task(member, phase_id=phase_id, title="T")
        assert fields(exc) == {"phase_id"}
    assert not Task.objects.filter(workspace=workspace).exists()


def test_a_non_member_may_not_add_tasks(workspace, owner, phase):
    from tests.core.factories import make_member

    stranger = make_member(workspace, "stranger@acme.test")
    with pytest.raises(Forbidden):
        create_task(stranger, phase_id=phase.pk, title="T")
    assert not Task.objects.exists()


def test_an_update_changes_only_the_keys_sent_and_bumps_the_version(
    workspace, owner, member, phase
):
    task = make_task(phase, "Draft", priority="low", assignees=[member])
    updated = update_task(member, task, status="done", assignee_ids=[owner.user_id])
    task.refresh_from_db()
    assert (task.title, task.priority, task.status, task.version) == ("Draft", "low", "done", 2)
    assert updated.version == 2
    assert list(TaskAssignee.objects.filter(task=task).values_list("user_id", flat=True)) == [
        owner.user_id
    ]
    activity = Activity.objects.get(verb="task.updated")
    assert activity.changes == {
        "status": ["todo", "done"],
        "assignee_ids": [[member.user_id], [owner.user_id]],
    }


def test_an_update_that_changes_nothing_records_nothing(member, phase):
    task = make_task(phase, "Same")
    update_task(member, task, title="Same")
    task.refresh_from_db()
    assert task.version == 1
    assert not Activity.objects.filter(verb="task.updated").exists()


def test_moving_a_task_to_another_phase_carries_its_minutes(workspace, member, project, phase):
    build = make_phase(project, "Build")
    make_task(build, "Already there")
    task = make_task(phase, "Moving", minutes_total=50)
    stays = make_task(phase, "Stays", minutes_total=10)
    Phase.objects.filter(pk=phase.pk).update(minutes_total=60)
    Phase.objects.filter(pk=build.pk).update(minutes_total=5)
    update_task(member, task, phase_id=build.pk)
    task.refresh_from_db()
    stays.refresh_from_db()
    assert (task.phase_id, task.project_id, task.position) == (build.pk, project.pk, 1)
    assert stays.position == 0
    assert minutes(phase, build) == [10, 55]
    assert Activity.objects.get(verb="task.updated").changes["phase_id"] == [phase.pk, build.pk]


def test_a_task_cannot_move_to_a_phase_of_another_project(workspace, member, phase):
    other = make_phase(make_project(member, "Other"), "Elsewhere")
    task = make_task(phase, "Stay", minutes_total=20)
    with pytest.raises(Invalid) as exc:
        update_task(member, task, phase_id=other.pk, title="Renamed too")
    assert exc.value.errors == [
        {"field": "phase_id", "message": "Choose a phase of the same project."}
    ]
    task.refresh_from_db()
    assert (task.phase_id, task.title) == (phase.pk, "Stay")


def test_reordering_within_a_phase_keeps_positions_dense(workspace, member, phase):
    a, b, c = (make_task(phase, t) for t in "ABC")
    update_task(member, c, position=0)
    assert list(Task.objects.order_by("position").values_list("title", flat=True)) == [
        "C",
        "A",
        "B",
    ]
    services.move_task(workspace=workspace, actor=member, task_id=a.pk, direction="down")
    assert list(Task.objects.order_by("position").values_list("title", "position")) == [
        ("C", 0),
        ("B", 1),
        ("A", 2),
    ]


def test_deleting_a_task_subtracts_its_minutes_from_phase_and_project(
    workspace, member, project, phase
):
    gone = make_task(phase, "Gone", minutes_total=40)
    make_task(phase, "Kept", minutes_total=15)
    Phase.objects.filter(pk=phase.pk).update(minutes_total=55)
    Project.objects.filter(pk=project.pk).update(minutes_total=55)
    services.delete_task(workspace=workspace, actor=member, task_id=gone.pk)
    assert minutes(phase, project) == [15, 15]
    assert Activity.objects.get(verb="task.deleted").changes == {
        "title": ["Gone", None],
        "minutes_total": [40, None],
    }


def test_another_workspace_cannot_touch_a_task(workspace, outsider, phase):
    task = make_task(phase, "Mine")
    with pytest.raises(NotFound):
        update_task(outsider, task, title="Theirs")
    with pytest.raises(NotFound):
        services.delete_task(workspace=outsider.workspace, actor=outsider, task_id=task.pk)
    task.refresh_from_db()
    assert task.title == "Mine"


# --- common tasks ---------------------------------------------------------------------------


def common(actor, **data):
    return services.create_common_task(workspace=actor.workspace, actor=actor, data=data)


def test_any_staff_member_keeps_the_library(workspace, member):
    design = task_category(workspace)
    item = common(member, title="Kick-off", category_id=design.pk, estimate_minutes=60)
    services.update_common_task(
        workspace=workspace, actor=member, common_task_id=item.pk, data={"estimate_minutes": None}
    )
    item.refresh_from_db()
    assert (item.title, item.category_id, item.estimate_minutes) == ("Kick-off", design.pk, None)
    services.delete_common_task(workspace=workspace, actor=member, common_task_id=item.pk)
    assert not CommonTask.objects.exists()
    verbs = list(Activity.objects.filter(verb__startswith="common_task.").values_list("verb"))
    assert sorted(v for (v,) in verbs) == [
        "common_task.created",
        "common_task.deleted",
        "common_task.updated",
    ]


def test_a_common_task_needs_a_title_and_a_sane_estimate(workspace, member):
    label = Category.objects.filter(workspace=workspace, kind="labels").first()
    for data in (
        {"title": "", "estimate_minutes": -1},
        {"title": "T", "estimate_minutes": 100_001, "category_id": label.pk},
        {"estimate_minutes": True},
    ):
        with pytest.raises(Invalid):
            common(member, **data)
    with pytest.raises(Invalid) as exc:
        common(member, title="", estimate_minutes=-1, category_id=label.pk)
    assert fields(exc) == {"title", "estimate_minutes", "category_id"}
    assert common(member, title="Max", estimate_minutes=100_000).estimate_minutes == 100_000
    assert CommonTask.objects.count() == 1


def test_common_tasks_become_tasks_at_the_end_of_the_phase(workspace, member, project, phase):
    make_task(phase, "Existing")
    design = task_category(workspace)
    a = common(member, title="Brief", description="Agree scope", category_id=design.pk)
    b = common(member, title="Review", estimate_minutes=30)
    tasks = services.add_common_tasks(
        workspace=workspace,
        actor=member,
        project_id=project.pk,
        phase_id=phase.pk,
        common_task_ids=[b.pk, a.pk],
    )
    assert [(t.title, t.position) for t in tasks] == [("Review", 1), ("Brief", 2)]
    brief = Task.objects.get(title="Brief")
    assert (brief.description, brief.category_id, brief.project_id) == (
        "Agree scope",
        design.pk,
        project.pk,
    )


def test_an_unknown_or_foreign_common_task_adds_nothing(
    workspace, member, outsider, project, phase
):
    mine = common(member, title="Mine")
    theirs = common(outsider, title="Theirs")
    for ids in ([mine.pk, theirs.pk], [mine.pk, 999_999], [], ["x"]):
        with pytest.raises(Invalid) as exc:
            services.add_common_tasks(
                workspace=workspace,
                actor=member,
                project_id=project.pk,
                phase_id=phase.pk,
                common_task_ids=ids,
            )
        assert fields(exc) == {"common_task_ids"}
    assert not Task.objects.exists()


def test_adding_common_tasks_needs_an_editor(workspace, owner, phase, project):
    from tests.core.factories import make_member

    stranger = make_member(workspace, "stranger@acme.test")
    item = common(stranger, title="Library item")
    with pytest.raises(Forbidden):
        services.add_common_tasks(
            workspace=workspace,
            actor=stranger,
            project_id=project.pk,
            phase_id=phase.pk,
            common_task_ids=[item.pk],
        )
    assert not Task.objects.exists()


def test_a_task_moved_to_another_phase_can_land_at_a_position(member, project, phase):
    build = make_phase(project, "Build")
    make_task(build, "B1")
    make_task(build, "B2")
    moving = make_task(phase, "Moving")
    update_task(member, moving, phase_id=build.pk, position=1)
    assert list(
        Task.objects.filter(phase=build).order_by("position").values_list("title", "position")
    ) == [("B1", 0), ("Moving", 1), ("B2", 2)]
