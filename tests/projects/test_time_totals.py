"""Minutes totals of a task, its phase and its project under concurrent updates.

These tests commit for real (`transaction=True`): each thread is its own database
connection, as each web or API request would be, and they all post at the same moment.
A read-modify-write of the totals would lose some of the minutes; F() increments must
not.
"""

import pytest

from rapport.core.models import Membership
from rapport.projects.models import TaskUpdate
from rapport.projects.services.updates import add_update, delete_update
from tests.concurrency import together as _together
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6
UPDATES_EACH = 4


def _fresh(membership: Membership) -> Membership:
    # One Membership object per thread: nothing shared across connections.
    return Membership.objects.select_related("workspace", "user").get(pk=membership.pk)


@pytest.fixture
def scene(member):
    people = [member] + [make_member(member.workspace, f"dev{n}@acme.test") for n in range(3)]
    project = make_project(member, "Concurrent", members=people[1:], track_time=True)
    design, build = make_phase(project, "Design"), make_phase(project, "Build")
    tasks = [make_task(design, "A"), make_task(design, "B"), make_task(build, "C")]
    return people, project, design, build, tasks


def test_concurrent_updates_add_up_on_task_phase_and_project(scene):
    people, project, design, build, tasks = scene
    # Every thread posts to every task, with minutes that make each sum distinct.
    plan = [
        [(tasks[(t + u) % 3].pk, 10 * t + u + 1) for u in range(UPDATES_EACH)]
        for t in range(THREADS)
    ]

    def poster(t):
        def job():
            actor = _fresh(people[t % len(people)])
            for task_id, minutes in plan[t]:
                add_update(
                    workspace=actor.workspace,
                    actor=actor,
                    task_id=task_id,
                    data={"body": f"Thread {t}", "minutes": minutes},
                )

        return job

    assert _together([poster(t) for t in range(THREADS)]) == []

    expected = {task.pk: 0 for task in tasks}
    for steps in plan:
        for task_id, minutes in steps:
            expected[task_id] += minutes
    assert TaskUpdate.objects.count() == THREADS * UPDATES_EACH
    for task in tasks:
        task.refresh_from_db()
        assert task.minutes_total == expected[task.pk]
    design.refresh_from_db()
    build.refresh_from_db()
    project.refresh_from_db()
    assert design.minutes_total == expected[tasks[0].pk] + expected[tasks[1].pk]
    assert build.minutes_total == expected[tasks[2].pk]
    assert project.minutes_total == sum(expected.values())


def test_concurrent_deletes_and_posts_keep_the_totals_right(scene):
    people, project, design, _build, tasks = scene
    owner = people[0]
    task = tasks[0]
    doomed = [
        add_update(
            workspace=owner.workspace,
            actor=owner,
            task_id=task.pk,
            data={"body": "To go", "minutes": 30},
        )
        for _ in range(3)
    ]

    def deleter(update_id):
        def job():
            actor = _fresh(owner)
            delete_update(
                workspace=actor.workspace, actor=actor, task_id=task.pk, update_id=update_id
            )

        return job

    def poster(minutes):
        def job():
            actor = _fresh(people[1])
            add_update(
                workspace=actor.workspace,
                actor=actor,
                task_id=task.pk,
                data={"body": "Stays", "minutes": minutes},
            )

        return job

    jobs = [deleter(u.pk) for u in doomed] + [poster(m) for m in (7, 11, 13)]
    # The same update deleted twice at once: one delete wins, the other finds it gone.
    jobs.append(deleter(doomed[0].pk))
    errors = _together(jobs)
    assert [type(e).__name__ for e in errors] == ["NotFound"]

    task.refresh_from_db()
    design.refresh_from_db()
    project.refresh_from_db()
    assert (task.minutes_total, design.minutes_total, project.minutes_total) == (31, 31, 31)
    assert sorted(TaskUpdate.objects.values_list("minutes", flat=True)) == [7, 11, 13]


def test_deleting_a_phase_while_an_update_is_posted_waits_instead_of_deadlocking(scene):
    """The update holds the task and then needs the phase; the delete used to hold the phase
    and then need the task, and PostgreSQL killed one of them. Both now lock the task first."""
    import time

    from django.db import transaction

    from rapport.projects.models import Phase, Project, Task
    from rapport.projects.services.tasks import delete_phase

    people, project, design, _build, tasks = scene
    task = tasks[0]

    def post():
        actor = _fresh(people[0])
        with transaction.atomic():
            Task.objects.select_for_update().get(pk=task.pk)  # the update has begun
            time.sleep(0.8)  # ... while the delete starts
            add_update(
                workspace=actor.workspace,
                actor=actor,
                task_id=task.pk,
                data={"body": "Almost done.", "minutes": 30},
            )

    def delete():
        time.sleep(0.3)
        actor = _fresh(people[1])
        delete_phase(
            workspace=actor.workspace,
            actor=actor,
            project_id=project.pk,
            phase_id=design.pk,
            confirm=True,
        )

    assert _together([post, delete]) == []
    assert not Phase.objects.filter(pk=design.pk).exists()
    # The update's 30 minutes went in, then left again with the phase.
    assert Project.objects.get(pk=project.pk).minutes_total == 0
