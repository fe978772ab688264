"""My tasks: the viewer's assigned tasks across projects, filters, the admins' user view."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.projects.selectors_board import week_bounds
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db


def url(workspace, **query):
    from urllib.parse import urlencode

    base = f"/w/{workspace.slug}/tasks/"
    return f"{base}?{urlencode(query)}" if query else base


def titles(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<td class="mt-title">(?:<a href="[^"]*">)?([^<]+)<', html)


@pytest.fixture
def scene(workspace, owner, member):
    today = timezone.localdate()
    monday, sunday = week_bounds(today)
    design = task_category(workspace, "Design")
    dev = task_category(workspace, "Development")
    alpha = make_project(owner, "Alpha", members=[member])
    beta = make_project(owner, "Beta", members=[member])
    a1 = make_phase(alpha, "Build")
    b1 = make_phase(beta, "Plan")
    tasks = {
        "late": make_task(
            a1, "Late logo", assignees=[member], category=design, due_date=monday - dt.timedelta(1)
        ),
        "week": make_task(a1, "Week API", assignees=[member], category=dev, due_date=sunday),
        "later": make_task(
            b1, "Later plan", assignees=[member], due_date=sunday + dt.timedelta(days=10)
        ),
        "done": make_task(
            b1, "Done doc", assignees=[member], status="done", due_date=monday - dt.timedelta(1)
        ),
        "undated": make_task(b1, "Undated idea", assignees=[member], status="in_progress"),
        "owners": make_task(a1, "Owner's own", assignees=[owner]),
    }
    return {"design": design, "dev": dev, "alpha": alpha, "beta": beta, **tasks}


def test_a_member_sees_their_open_tasks_soonest_due_first(client, workspace, member, scene):
    client.force_login(member.user)

    response = client.get(url(workspace))

    assert titles(response) == ["Late logo", "Week API", "Later plan", "Undated idea"]
    html = response.content.decode()
    assert 'class="task-overdue"' in html
    assert 'id="f-user"' not in html  # the user picker is for admins


def test_status_filters_done_and_all(client, workspace, member, scene):
    client.force_login(member.user)

    assert titles(client.get(url(workspace, status="done"))) == ["Done doc"]
    assert titles(client.get(url(workspace, status="in_progress"))) == ["Undated idea"]
    assert len(titles(client.get(url(workspace, status="all")))) == 5


def test_overdue_means_past_due_and_not_done(client, workspace, member, scene):
    client.force_login(member.user)

    assert titles(client.get(url(workspace, due="overdue", status="all"))) == ["Late logo"]


def test_this_week_is_monday_to_sunday(client, workspace, member, scene):
    client.force_login(member.user)

    assert titles(client.get(url(workspace, due="this_week"))) == ["Week API"]


def test_this_week_keeps_a_task_due_earlier_this_week(workspace, member, scene):
    from rapport.projects.selectors_board import MyTasksFilters, my_tasks_page

    monday, _sunday = week_bounds(timezone.localdate())
    scene["late"].due_date = monday
    scene["late"].save(update_fields=["due_date"])
    page = my_tasks_page(
        workspace=workspace,
        actor=member,
        user=member.user,
        filters=MyTasksFilters(due="this_week"),
        today=monday + dt.timedelta(days=3),
    )
    assert [t.title for t in page.items] == ["Late logo", "Week API"]


def test_category_and_project_filters(client, workspace, member, scene):
    client.force_login(member.user)

    assert titles(client.get(url(workspace, category=scene["design"].pk))) == ["Late logo"]
    assert titles(client.get(url(workspace, project=scene["beta"].pk))) == [
        "Later plan",
        "Undated idea",
    ]


def test_the_category_chip_carries_its_colour(client, workspace, member, scene):
    client.force_login(member.user)

    html = client.get(url(workspace)).content.decode()

    assert f'data-category="{scene["design"].pk}"' in html
    assert f'fill="{scene["design"].color}"' in html


def test_unknown_filter_values_fall_back_to_any(client, workspace, member, scene):
    client.force_login(member.user)

    response = client.get(url(workspace, status="nope", due="someday", category="x", project="-1"))

    assert titles(response) == ["Late logo", "Week API", "Later plan", "Undated idea"]


def test_an_admin_picks_any_staff_member(client, workspace, admin, member, scene):
    client.force_login(admin.user)

    response = client.get(url(workspace, user=member.user_id))

    assert titles(response) == ["Late logo", "Week API", "Later plan", "Undated idea"]
    html = response.content.decode()
    assert 'id="f-user"' in html
    assert "Tasks of Member" in html


def test_a_member_asking_for_someone_elses_tasks_gets_404(client, workspace, owner, member, scene):
    client.force_login(member.user)

    assert client.get(url(workspace, user=owner.user_id)).status_code == 404
    assert client.get(url(workspace, user="abc")).status_code == 404
    # Their own id is simply their own list.
    assert client.get(url(workspace, user=member.user_id)).status_code == 200


def test_an_admin_cannot_view_someone_outside_the_workspace(client, workspace, admin, outsider):
    client.force_login(admin.user)

    assert client.get(url(workspace, user=outsider.user_id)).status_code == 404


def test_the_list_is_keyset_paged(workspace, member, owner):
    from rapport.projects.selectors_board import MyTasksFilters, my_tasks_page

    phase = make_phase(make_project(owner, "Big", members=[member]))
    for i in range(7):
        make_task(phase, f"T{i}", assignees=[member], due_date=dt.date(2030, 1, 1 + i % 3))
    seen, cursor = [], None
    while True:
        page = my_tasks_page(
            workspace=workspace,
            actor=member,
            user=member.user,
            filters=MyTasksFilters(),
            limit=3,
            cursor=cursor,
        )
        seen += [t.title for t in page.items]
        cursor = page.next
        if not cursor:
            break
    assert sorted(seen) == [f"T{i}" for i in range(7)]
    assert len(seen) == 7


def test_a_bad_cursor_shows_the_first_page_with_a_message(client, workspace, member, scene):
    client.force_login(member.user)

    response = client.get(url(workspace, cursor="not-a-cursor"))

    assert titles(response)[0] == "Late logo"
    assert 'id="my-tasks-error"' in response.content.decode()


def test_the_page_costs_the_same_queries_for_many_tasks(
    client, workspace, member, owner, django_assert_max_num_queries
):
    client.force_login(member.user)
    design = task_category(workspace, "Design")
    for p in range(3):
        phase = make_phase(make_project(owner, f"P{p}", members=[member]))
        for i in range(15):
            make_task(phase, f"T{p}-{i}", assignees=[member], category=design)
    client.get(url(workspace))  # warm the session and the membership

    with django_assert_max_num_queries(7):
        response = client.get(url(workspace))
    assert len(titles(response)) == 45


def test_the_empty_state_invites_to_the_projects(client, workspace, member):
    client.force_login(member.user)

    html = client.get(url(workspace)).content.decode()

    assert 'id="my-tasks-empty"' in html
    assert "Nothing on your plate" in html


def test_a_new_admin_sees_their_own_empty_list(client, workspace):
    admin2 = make_member(workspace, "boss@acme.test", role="admin")
    client.force_login(admin2.user)

    assert titles(client.get(url(workspace))) == []


def test_the_module_switched_off_is_a_404(client, workspace, member):
    workspace.modules = {"projects": False}
    workspace.save()
    client.force_login(member.user)

    assert client.get(url(workspace)).status_code == 404


def test_an_outsider_gets_404(client, workspace, outsider):
    client.force_login(outsider.user)

    assert client.get(url(workspace)).status_code == 404
