"""A real Chromium on the contacts list: filter, select, act in bulk, save a view."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def contacts(people):
    from tests.customers.factories import make_contact

    workspace, owner, _member = people
    made = {
        "ada": make_contact(owner, first_name="Ada", last_name="Lovelace", role="client"),
        "grace": make_contact(owner, first_name="Grace", last_name="Hopper", role="client"),
        "alan": make_contact(owner, first_name="Alan", last_name="Turing", role="client"),
        "linus": make_contact(owner, first_name="Linus", last_name="Torvalds", role="lead"),
    }
    return workspace, owner, made


def test_filter_select_two_rows_and_label_them_in_bulk(page: Page, live_server, contacts):
    workspace, owner, made = contacts
    log_in(page, live_server.url, owner.user.email)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    expect(page.locator("#list-count")).to_have_text("4 contacts")

    filters = page.get_by_role("search", name="Filters")
    filters.get_by_label("Role").select_option("client")  # submits the bar by itself
    rows = page.locator("#list-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#list-count")).to_have_text("3 contacts")

    page.get_by_role("checkbox", name="Select Ada Lovelace").check()
    page.get_by_role("checkbox", name="Select Grace Hopper").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected:")
    page.locator("#bulk-label").select_option(label="VIP")
    page.get_by_role("button", name="Add label").click()

    expect(page.get_by_text("2 contacts changed.")).to_be_visible()
    expect(rows).to_have_count(3)  # the filter survived the round trip
    ada = page.locator(f"tr[data-row='{made['ada'].pk}']")
    grace = page.locator(f"tr[data-row='{made['grace'].pk}']")
    alan = page.locator(f"tr[data-row='{made['alan'].pk}']")
    expect(ada.locator("[data-col=labels]")).to_contain_text("VIP")
    expect(grace.locator("[data-col=labels]")).to_contain_text("VIP")
    expect(alan.locator("[data-col=labels]")).not_to_contain_text("VIP")


def test_select_all_and_shift_click_select_ranges(page: Page, live_server, contacts):
    workspace, owner, _made = contacts
    log_in(page, live_server.url, owner.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/contacts/?sort=name")
    boxes = page.locator("#list-table tbody input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(2).click(modifiers=["Shift"])
    expect(page.locator("[data-bulk-count]")).to_have_text("3 selected:")
    page.get_by_role("checkbox", name="Select all on this page").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("4 selected:")


def test_save_a_view_and_reopen_it(page: Page, live_server, contacts):
    workspace, owner, _made = contacts
    log_in(page, live_server.url, owner.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/contacts/?role=lead")
    expect(page.locator("#list-table tbody tr")).to_have_count(1)

    page.locator("#views-menu summary").click()
    page.get_by_label("Save this list as a view").fill("Leads")
    page.get_by_label("Share with the workspace").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("View “Leads” saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leads")

    page.locator(".list-tabs").get_by_role("link", name="All contacts").click()
    expect(page.locator("#list-table tbody tr")).to_have_count(4)
    page.locator("#views-menu summary").click()
    page.get_by_role("menuitem", name="Leads").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leads")
    rows = page.locator("#list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Linus Torvalds")
