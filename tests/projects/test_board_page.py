"""The task board page, its columns, filters, cap, and the move endpoint."""

import re

import pytest

from rapport.core.models import Activity
from rapport.projects import selectors_board
from rapport.projects.models import Task
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db


def board_url(workspace, query=""):
    return f"/w/{workspace.slug}/board/" + (f"?{query}" if query else "")


def move_url(workspace, task):
    return f"/w/{workspace.slug}/board/tasks/{task.pk}/move/"


def card_titles(html: str) -> list[str]:
    return re.findall(r'id="card-title-\d+">(?:<a [^>]*>)?([^<]+)<', html)


def more_url(html: str) -> str:
    found = re.search(r'class="btn btn-sm board-more"[^>]*hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&")


def column_titles(html: str, status: str) -> list[str]:
    start = html.index(f'data-status="{status}" data-label=')
    end = html.find("</section>", start)
    return card_titles(html[start:end])


@pytest.fixture
def scene(workspace, owner, member):
    design = task_category(workspace, "Design")
    dev = task_category(workspace, "Development")
    alpha = make_project(owner, "Alpha", members=[member])
    beta = make_project(owner, "Beta")
    a = make_phase(alpha)
    b = make_phase(beta)
    return {
        "design": design,
        "dev": dev,
        "alpha": alpha,
        "beta": beta,
        "logo": make_task(a, "Logo", category=design, assignees=[member], priority="high"),
        "api": make_task(a, "API", category=dev, status="in_progress", assignees=[owner]),
        "docs": make_task(b, "Docs", status="done"),
        "copy": make_task(b, "Copy", category=design),
    }


def test_the_board_shows_three_columns_with_counts_and_category_colours(
    client, workspace, member, scene
):
    client.force_login(member.user)

    response = client.get(board_url(workspace))

    assert response.status_code == 200
    html = response.content.decode()
    assert column_titles(html, "todo") == ["Logo", "Copy"]  # high priority first
    assert column_titles(html, "in_progress") == ["API"]
    assert column_titles(html, "done") == ["Docs"]
    assert re.findall(r'<span class="board-count"[^>]*>(\d+)</span>', html) == ["2", "1", "1"]
    assert f'<rect width="4" height="100" fill="{scene["design"].color}"/>' in html
    assert f'<rect width="4" height="100" fill="{scene["dev"].color}"/>' in html
    assert ">M</span>" in html  # Member's initials on the Logo card
    assert "rapport/board.js" in html


def test_the_board_script_loads_with_the_csp_nonce_and_nothing_inline(client, workspace, member):
    client.force_login(member.user)

    html = client.get(board_url(workspace)).content.decode()

    tag = re.search(r'<script src="[^"]*board\.js"[^>]*>', html).group(0)
    assert 'nonce="' in tag
    assert "defer" in tag
    assert " onclick=" not in html
    assert " ondrag" not in html
    assert " style=" not in html


def test_filters_by_project_assignee_and_category(client, workspace, owner, member, scene):
    client.force_login(member.user)

    def cards(query):
        html = client.get(board_url(workspace, query)).content.decode()
        return sorted(re.findall(r'id="card-title-\d+">(?:<a [^>]*>)?([^<]+)<', html))

    assert cards(f"project={scene['beta'].pk}") == ["Copy", "Docs"]
    assert cards("assignee=me") == ["Logo"]
    assert cards(f"assignee={owner.user_id}") == ["API"]
    assert cards(f"category={scene['design'].pk}") == ["Copy", "Logo"]
    assert cards(f"category={scene['design'].pk}&project={scene['alpha'].pk}") == ["Logo"]
    assert cards("assignee=zz&project=abc") == ["API", "Copy", "Docs", "Logo"]


def test_the_move_form_keeps_the_filters(client, workspace, member, scene):
    client.force_login(member.user)

    html = client.get(board_url(workspace, "assignee=me")).content.decode()

    assert '<input type="hidden" name="assignee" value="me">' in html


def test_columns_are_capped_and_offer_more(
    client, workspace, owner, member, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(selectors_board, "BOARD_COLUMN_CAP", 3)
    phase = make_phase(make_project(owner, "Big", members=[member]))
    for i in range(8):
        make_task(phase, f"T{i}", assignees=[member])
    client.force_login(member.user)
    client.get(board_url(workspace))

    with django_assert_max_num_queries(12):
        html = client.get(board_url(workspace)).content.decode()

    assert column_titles(html, "todo") == ["T0", "T1", "T2"]
    assert "Showing 3 of 8" in html
    more = more_url(html)
    second = client.get(more).content.decode()
    assert card_titles(second) == ["T3", "T4", "T5"]
    third = more_url(second)
    last = client.get(third).content.decode()
    assert card_titles(last) == ["T6", "T7"]
    assert "board-more" not in last


def test_the_board_costs_the_same_queries_for_many_cards(
    client, workspace, owner, member, django_assert_max_num_queries
):
    design = task_category(workspace, "Design")
    for p in range(3):
        phase = make_phase(make_project(owner, f"P{p}", members=[member]))
        for i in range(10):
            make_task(phase, f"T{p}{i}", category=design, assignees=[member, owner])
    client.force_login(member.user)
    client.get(board_url(workspace))

    with django_assert_max_num_queries(12):
        response = client.get(board_url(workspace))
    assert response.content.decode().count('<article class="board-card') == 30


def test_a_bad_more_cursor_or_status_is_a_422(client, workspace, member):
    client.force_login(member.user)

    base = f"/w/{workspace.slug}/board/columns"
    assert client.get(f"{base}/todo/?cursor=zzz").status_code == 422
    assert client.get(f"{base}/closed/?cursor=").status_code == 422


def test_a_member_moves_a_card_through_the_endpoint(client, workspace, member, scene):
    client.force_login(member.user)

    response = client.post(
        move_url(workspace, scene["logo"]), {"status": "in_progress"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="board-columns"' in html
    assert column_titles(html, "in_progress") == ["Logo", "API"]
    assert Task.objects.get(pk=scene["logo"].pk).status == "in_progress"


def test_without_javascript_the_move_redirects_back_with_the_filters(
    client, workspace, member, scene
):
    client.force_login(member.user)

    response = client.post(move_url(workspace, scene["logo"]), {"status": "done", "assignee": "me"})

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace.slug}/board/?assignee=me"
    assert Task.objects.get(pk=scene["logo"].pk).status == "done"


def test_a_non_member_gets_403_with_the_message_and_nothing_changes(
    client, workspace, member, scene
):
    client.force_login(member.user)

    response = client.post(
        move_url(workspace, scene["copy"]), {"status": "done"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 403
    assert "members and admins" in response.content.decode()
    assert Task.objects.get(pk=scene["copy"].pk).status == "todo"
    assert not Activity.objects.filter(verb="task.moved").exists()


def test_without_javascript_a_refusal_comes_back_as_a_message(client, workspace, member, scene):
    client.force_login(member.user)

    response = client.post(move_url(workspace, scene["copy"]), {"status": "done"}, follow=True)

    assert "members and admins" in response.content.decode()
    assert Task.objects.get(pk=scene["copy"].pk).status == "todo"


def test_a_bad_status_is_a_422(client, workspace, member, scene):
    client.force_login(member.user)

    response = client.post(
        move_url(workspace, scene["logo"]), {"status": "archived"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert Task.objects.get(pk=scene["logo"].pk).status == "todo"


def test_the_move_needs_post(client, workspace, member, scene):
    client.force_login(member.user)

    assert client.get(move_url(workspace, scene["logo"])).status_code == 405


def test_another_workspaces_task_is_a_404(client, other_workspace, outsider, scene):
    client.force_login(outsider.user)

    response = client.post(
        f"/w/{other_workspace.slug}/board/tasks/{scene['logo'].pk}/move/", {"status": "done"}
    )

    assert response.status_code == 404
    assert Task.objects.get(pk=scene["logo"].pk).status == "todo"


def test_an_outsider_cannot_reach_the_board(client, workspace, outsider, scene):
    client.force_login(outsider.user)

    assert client.get(board_url(workspace)).status_code == 404
    assert client.post(move_url(workspace, scene["logo"]), {"status": "done"}).status_code == 404


def test_the_module_switched_off_hides_the_board_and_the_move(client, workspace, member, scene):
    workspace.modules = {"projects": False}
    workspace.save()
    client.force_login(member.user)

    assert client.get(board_url(workspace)).status_code == 404
    assert client.post(move_url(workspace, scene["logo"]), {"status": "done"}).status_code == 404
    assert client.get(f"/w/{workspace.slug}/board/columns/todo/?cursor=x").status_code == 404
    assert Task.objects.get(pk=scene["logo"].pk).status == "todo"


def test_a_staff_member_sees_the_board_even_outside_every_project(client, workspace, scene):
    viewer = make_member(workspace, "viewer@acme.test")
    client.force_login(viewer.user)

    html = client.get(board_url(workspace)).content.decode()

    assert column_titles(html, "todo") == ["Logo", "Copy"]
