"""A real Chromium on the task board: drag a card to another column, move one with the
keyboard alone, and see a refused move go back with its message."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def board(people):
    from tests.projects.factories import make_phase, make_project, make_task, task_category

    workspace, owner, member = people
    design = task_category(workspace, "Design")
    project = make_project(owner, "Relaunch", members=[member])
    outside = make_project(owner, "Owner only")
    phase = make_phase(project)
    tasks = {
        "logo": make_task(phase, "Logo", category=design, assignees=[member]),
        "copy": make_task(phase, "Copy"),
        "secret": make_task(make_phase(outside), "Not mine"),
    }
    return workspace, member, tasks


def status_of(task) -> str:
    task.refresh_from_db()
    return task.status


def test_dragging_a_card_to_in_progress_moves_the_task(page: Page, live_server, board):
    workspace, member, tasks = board
    errors = log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/board/")
    todo = page.locator('[data-dropzone][data-status="todo"]')
    doing = page.locator('[data-dropzone][data-status="in_progress"]')
    expect(todo.locator(".board-card")).to_have_count(3)

    page.locator(f"#card-{tasks['logo'].pk}").drag_to(doing)

    expect(doing.locator(f"#card-{tasks['logo'].pk}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text("Moved to In progress.")
    expect(page.locator(".board-column-in_progress [data-count]")).to_have_text("1")
    expect(page.locator(".board-column-todo [data-count]")).to_have_text("2")
    assert status_of(tasks["logo"]) == "in_progress"
    assert errors == []


def test_the_keyboard_alone_moves_a_card(page: Page, live_server, board):
    workspace, member, tasks = board
    errors = log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/board/")
    select = page.get_by_label("Move “Copy” to")

    select.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(select).to_have_value("done")
    page.keyboard.press("Tab")
    expect(page.locator(f"#card-{tasks['copy'].pk} .board-move-button")).to_be_focused()
    page.keyboard.press("Enter")

    done = page.locator('[data-dropzone][data-status="done"]')
    expect(done.locator(f"#card-{tasks['copy'].pk}")).to_be_visible()
    # Focus comes back to the moved card's control, so the user can carry on.
    expect(page.get_by_label("Move “Copy” to")).to_be_focused()
    assert status_of(tasks["copy"]) == "done"
    assert errors == []


def test_a_refused_drag_shows_why_and_the_card_goes_back(page: Page, live_server, board):
    workspace, member, tasks = board
    errors = log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/board/")
    card = page.locator(f"#card-{tasks['secret'].pk}")

    card.drag_to(page.locator('[data-dropzone][data-status="done"]'))

    expect(page.locator("#board-message")).to_contain_text("members and admins")
    expect(page.locator(f'[data-status="todo"] #card-{tasks["secret"].pk}')).to_be_visible()
    expect(page.locator(".board-column-todo [data-count]")).to_have_text("3")
    assert status_of(tasks["secret"]) == "todo"
    # The browser logs the refused request itself; nothing else may have failed.
    assert [e for e in errors if "403" not in e] == []
