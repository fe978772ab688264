"""A real Chromium on the project page's phases: add a phase, add a task to it (and see
a refused one explained inline), then add two common tasks from the library at once."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(people):
    from rapport.projects.services import tasks as services
    from tests.projects.factories import make_project

    workspace, owner, member = people
    project = make_project(owner, members=[member], track_time=True)
    for title in ("Kick-off meeting", "Final invoice", "Go-live checklist"):
        services.create_common_task(workspace=workspace, actor=owner, data={"title": title})
    return workspace, project, member


def test_add_a_phase_a_task_and_two_common_tasks(page: Page, live_server, scene):
    from rapport.projects.models import Phase, Task

    workspace, project, member = scene
    errors = log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/projects/{project.pk}/")
    section = page.locator("#phases")
    expect(section.get_by_role("heading", name="No phases yet")).to_be_visible()

    section.get_by_label("New phase").fill("Design")
    section.get_by_role("button", name="Add phase").click()
    expect(section.get_by_role("heading", name="Design", level=3)).to_be_visible()
    phase = Phase.objects.get(project=project)

    # A task without a title is explained next to the field, and nothing is added.
    section.get_by_role("button", name="Add task to Design").click()
    expect(page.locator(f"#add-task-errors-{phase.pk}")).to_have_text("Give the task a title.")
    title = section.get_by_label("New task in Design")
    title.fill("Wireframes")
    section.get_by_label("Assignee").select_option(label=member.user.display_name)
    title.press("Enter")
    task_list = page.locator(f"#phase-{phase.pk} .pt-task-list")
    expect(task_list.locator("li")).to_have_count(1)
    expect(task_list).to_contain_text("Wireframes")
    expect(page.locator(f"#add-task-errors-{phase.pk}")).to_have_count(0)

    # Two templates from the library in one step, by keyboard-reachable checkboxes.
    page.locator(f"#phase-common-{phase.pk} summary").click()
    menu = page.locator(f"#phase-common-{phase.pk}")
    menu.get_by_label("Kick-off meeting").check()
    menu.get_by_label("Go-live checklist").check()
    menu.get_by_role("button", name="Add selected").click()
    expect(task_list.locator("li")).to_have_count(3)
    # In the library's order (by title), after the tasks already there.
    expect(task_list.locator(".pt-task-title")).to_have_text(
        ["Wireframes", "Go-live checklist", "Kick-off meeting"]
    )
    assert list(Task.objects.order_by("position").values_list("title", flat=True)) == [
        "Wireframes",
        "Go-live checklist",
        "Kick-off meeting",
    ]

    # The task's own page opens from its title.
    task_list.get_by_role("link", name="Wireframes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wireframes")
    assert errors == []
