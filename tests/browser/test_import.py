"""A real Chromium through an import: upload → columns → preview → run → result."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

CSV = (
    "Name,E-mail,Phone,Notes\n"
    "Ada Lovelace,ada@example.com,+44 20 7946 0000,met in London\n"
    "Grace Hopper,not-an-address,,navy\n"
    "Alan Turing,alan@example.com,,Bletchley\n"
)


def test_upload_map_preview_run_and_read_the_result(page: Page, live_server, people, tmp_path):
    from rapport.customers.models import Contact

    workspace, _owner, member = people
    path = tmp_path / "old-crm.csv"
    path.write_text(CSV, encoding="utf-8")
    errors = log_in(page, live_server.url, member.user.email)

    page.goto(f"{live_server.url}/w/{workspace.slug}/contacts/")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a file")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and check the columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Which field does each column fill?")
    table = page.locator("#mapping-table")
    expect(table.get_by_label("E-mail")).to_have_value("email")
    expect(table.get_by_label("Phone")).to_have_value("phone")
    # The phone numbers stay behind: one column changed by hand.
    table.get_by_label("Phone").select_option("")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the first rows, then start")
    preview = page.locator("#preview-table")
    expect(preview.locator("tbody tr[data-row]")).to_have_count(3)
    expect(preview.locator("tr[data-row='3'] .imp-action")).to_have_text("Rejected")
    expect(preview.get_by_text("Email: Enter a valid email address.")).to_be_visible()
    expect(preview.locator("th", has_text="Phone")).to_have_count(0)

    page.get_by_role("button", name="Start the import").click()

    result = page.locator("#import-result")
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(result.locator(".imp-stat-created dd")).to_have_text("2")
    expect(result.locator(".imp-stat-updated dd")).to_have_text("0")
    expect(result.locator(".imp-stat-skipped dd")).to_have_text("0")
    expect(result.locator(".imp-stat-rejected dd")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows (CSV)").click()
    rejected = download.value.path().read_text(encoding="utf-8-sig")
    assert "3,Email: Enter a valid email address.,Grace Hopper,not-an-address" in rejected

    page.get_by_role("link", name="Go to contacts").click()
    expect(page.locator("#list-table tbody tr")).to_have_count(2)
    assert sorted(Contact.objects.values_list("email", "phone")) == [
        ("ada@example.com", ""),
        ("alan@example.com", ""),
    ]
    assert errors == []
