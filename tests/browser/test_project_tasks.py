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


def test_rename_reorder_by_keyboard_and_delete_a_phase_with_its_tasks(
    page: Page, live_server, scene
):
    from rapport.projects.models import Phase
    from tests.projects.factories import make_phase, make_task

    workspace, project, member = scene
    design, build = make_phase(project, "Design"), make_phase(project, "Build")
    make_task(build, "Backend")
    errors = log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/projects/{project.pk}/")
    section = page.locator("#phases")

    page.locator(f"#phase-menu-{design.pk} summary").click()
    rename = section.get_by_label("Name", exact=True).first
    rename.fill("Discovery")
    rename.press("Enter")
    expect(section.get_by_role("heading", name="Discovery", level=3)).to_be_visible()

    # Keyboard only: focus the button, press Enter; htmx keeps the focus on it.
    up = page.locator(f"#phase-up-{build.pk}")
    up.focus()
    page.keyboard.press("Enter")
    expect(section.locator("h3").first).to_have_text("Build")
    assert list(Phase.objects.order_by("position").values_list("name", flat=True)) == [
        "Build",
        "Discovery",
    ]

    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        # Cancel the first question, accept the ones after it.
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.locator(f"#phase-menu-{build.pk} summary").click()
    page.locator(f"#phase-delete-{build.pk}").click()
    # Give a request that should not exist the time to arrive before checking.
    page.wait_for_timeout(500)
    expect(section.locator("h3")).to_have_text(["Build", "Discovery"])
    assert Phase.objects.filter(pk=build.pk).exists()
    # The menu is still open after the refusal.
    page.locator(f"#phase-delete-{build.pk}").click()
    expect(section.locator("h3")).to_have_text(["Discovery"])
    assert not Phase.objects.filter(pk=build.pk).exists()
    # The phase still had a task, so the browser asked: once per click, never twice.
    assert asked == ["Delete phase Build and its task? Its updates and time go too."] * 2
    assert errors == []
