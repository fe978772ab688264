"""A real Chromium drives the shell: the issue's browser scenarios, end to end."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.core.factories import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_switching_a_module_off_removes_it_from_the_navigation(page: Page, live_server, people):
    workspace, owner, _member = people
    _log_in(page, live_server.url, owner.user.email)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Projects")).to_be_visible()
    nav.get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Modules").click()
    page.get_by_label("Projects").uncheck()
    page.get_by_role("button", name="Save modules").click()
    expect(page.get_by_text("Modules saved.")).to_be_visible()
    expect(nav.get_by_role("link", name="Projects")).to_have_count(0)
    expect(nav.get_by_role("link", name="Tickets")).to_be_visible()
    assert page.request.get(f"{live_server.url}/w/{workspace.slug}/projects/").status == 404


def test_add_and_reorder_a_category_then_fail_to_delete_a_locked_status(
    page: Page, live_server, people
):
    workspace, owner, _member = people
    _log_in(page, live_server.url, owner.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/settings/categories/labels/")
    page.get_by_label("New category").fill("Partner")
    page.get_by_role("button", name="Add").click()
    rows = page.locator("#category-list tbody tr[data-category]")
    expect(rows).to_have_count(5)
    expect(rows.last.locator("input[name=name]")).to_have_value("Partner")

    page.get_by_role("button", name="Move Partner up").click()
    expect(rows.nth(3).locator("input[name=name]")).to_have_value("Partner")
    page.get_by_role("button", name="Move Partner up").click()
    expect(rows.nth(2).locator("input[name=name]")).to_have_value("Partner")
    page.reload()
    expect(rows.nth(2).locator("input[name=name]")).to_have_value("Partner")

    # Keyboard: focus the button and press Enter.
    page.get_by_role("button", name="Move Partner down").focus()
    page.keyboard.press("Enter")
    expect(rows.nth(3).locator("input[name=name]")).to_have_value("Partner")

    page.get_by_role("link", name="Deal statuses").click()
    page.get_by_role("button", name="Delete Won").click()
    expect(page.get_by_role("alert")).to_contain_text("system status")
    expect(page.locator("#category-list tbody tr[data-category]")).to_have_count(4)


def test_impersonate_a_member_and_stop(page: Page, live_server, people):
    workspace, owner, member = people
    _log_in(page, live_server.url, owner.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/settings/members/")
    page.locator(f"tr[data-member='{member.user_id}']").get_by_role("button", name="Act as").click()
    banner = page.locator("#impersonation-banner")
    expect(banner).to_contain_text(re.compile("acting as Mia"))
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    banner.get_by_role("button", name="Stop acting as them").click()
    expect(page.locator("#impersonation-banner")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
