"""A real Chromium on projects: start one through the form (after a refused sender
address) and land on its page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_create_a_project_through_the_form_and_see_its_page(page: Page, live_server, people):
    from tests.customers.factories import make_company

    workspace, owner, member = people
    make_company(owner, name="Hoekstra Bouw")
    errors = log_in(page, live_server.url, owner.user.email)

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()
    page.locator("#projects-empty").get_by_role("link", name="New project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New project")

    page.get_by_label("Name", exact=True).fill("Site office fit-out")
    page.get_by_label("Company", exact=True).select_option(label="Hoekstra Bouw")
    page.get_by_label("Description").fill("Network, meeting room and signage.")
    page.get_by_label("Mia").check()
    page.get_by_label("Emails sent from").fill("projects at acme")
    page.get_by_label("Track time").check()
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Site office fit-out")
    page.get_by_label("Emails sent from").fill("projects@acme.test")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_text("Project “Site office fit-out” created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Site office fit-out")
    expect(page.locator("#project-company")).to_have_text("Hoekstra Bouw")
    expect(page.locator("#project-minutes")).to_have_text("0 min spent")
    members = page.locator("#project-members")
    expect(members).to_contain_text("Mia")
    expect(members).to_contain_text(owner.user.display_name)
    expect(page.locator("#project-timeline")).to_contain_text("created this project")

    page.get_by_role("link", name="Hoekstra Bouw").first.click()
    expect(page.locator("#company-projects")).to_contain_text("Site office fit-out")
    assert errors == []
