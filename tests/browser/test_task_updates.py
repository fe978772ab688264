"""A real Chromium on a task's updates: a refused post shows its errors in place, a good
one joins the thread with the task's total, and the author deletes it again."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def task(people):
    from tests.projects.factories import make_phase, make_project, make_task

    _workspace, owner, member = people
    project = make_project(member, "Website relaunch", members=[owner], track_time=True)
    return make_task(make_phase(project, "Design"), "Wireframes")


def _task_page(live_server, task) -> str:
    return live_server.url + reverse("task_detail", args=[task.workspace.slug, task.pk])


def test_post_an_update_with_minutes_and_delete_it(page: Page, live_server, people, task):
    _workspace, _owner, member = people
    errors = log_in(page, live_server.url, member.user.email)
    page.goto(_task_page(live_server, task))
    box = page.locator("#task-updates")
    expect(box.get_by_text("No updates yet.")).to_be_visible()

    box.get_by_label("Update", exact=True).fill("Sketched the home page.")
    box.get_by_label("Minutes spent").fill("0")
    box.get_by_role("button", name="Post update").click()
    expect(box.get_by_text("Enter at least 1 minute, or leave the minutes empty.")).to_be_visible()
    # The text typed so far survives the refusal.
    expect(box.get_by_label("Update", exact=True)).to_have_value("Sketched the home page.")

    box.get_by_label("Minutes spent").fill("95")
    box.get_by_role("button", name="Post update").click()
    item = box.locator(".upd-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Sketched the home page.")
    expect(item.locator(".upd-minutes")).to_have_text("1 h 35 min")
    expect(box.locator("#task-minutes-total")).to_contain_text("1 h 35 min")
    expect(box.get_by_label("Update", exact=True)).to_have_value("")

    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    item.get_by_role("button", name="Delete").click()
    expect(box.locator(".upd-item")).to_have_count(0)
    assert asked == ["Delete this update? Its minutes leave the totals."]  # asked once
    expect(box.locator("#task-minutes-total")).to_contain_text("0 min")
    task.refresh_from_db()
    assert task.minutes_total == 0
    assert errors == []
