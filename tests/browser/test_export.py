"""A real Chromium downloads a filtered contacts list from the Export menu."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_the_export_menu_downloads_what_the_member_sees_with_the_filters(
    page: Page, live_server, people
):
    from tests.customers.factories import make_contact

    workspace, owner, member = people
    make_contact(member, first_name="Zoë", last_name="Łódź", email="zoe@example.com", role="client")
    make_contact(member, first_name="Lee", last_name="Lead", email="lee@example.com", role="lead")
    make_contact(owner, first_name="Hidden", email="hidden@example.com", role="client")

    log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/contacts/?role=client")
    expect(page.locator("#list-count")).to_have_text("1 contact")
    page.get_by_text("Export", exact=True).click()
    menu = page.locator("#export-menu")
    expect(menu.get_by_role("menuitem", name="vCard")).to_be_visible()
    with page.expect_download() as info:
        menu.get_by_role("menuitem", name="CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("contacts-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    emails = [row[rows[0].index("Email")] for row in rows[1:]]
    assert emails == ["zoe@example.com"]
    assert rows[1][rows[0].index("Last name")] == "Łódź"


def test_companies_offer_csv_and_excel_but_no_vcard(page: Page, live_server, people):
    workspace, owner, _member = people
    log_in(page, live_server.url, owner.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/companies/")
    page.get_by_text("Export", exact=True).click()
    menu = page.locator("#export-menu")
    expect(menu.get_by_role("menuitem", name="Excel")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="vCard")).to_have_count(0)
