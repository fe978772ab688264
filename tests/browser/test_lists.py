"""A real Chromium on user lists: build a list from filters, see its members, download
the CSV with chosen columns."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def contacts(people):
    from tests.customers.factories import make_contact

    workspace, owner, member = people
    make_contact(owner, first_name="Ada", last_name="Lovelace", role="client", email="ada@x.test")
    make_contact(owner, first_name="Grace", last_name="Hopper", role="client", email="gh@x.test")
    make_contact(owner, first_name="Alan", last_name="Turing", role="client", is_active=False)
    make_contact(owner, first_name="Linus", last_name="Torvalds", role="lead", email="lt@x.test")
    # The member's own client: in the list for the owner too, who sees every contact.
    make_contact(member, first_name="Mia", last_name="Member", role="client", email="mia@x.test")
    return workspace, owner, member


def test_build_a_list_from_filters_see_members_and_download_csv(page: Page, live_server, contacts):
    workspace, owner, member = contacts
    log_in(page, live_server.url, owner.user.email)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="User lists").click()
    expect(page.get_by_role("heading", name="No user lists yet")).to_be_visible()
    page.get_by_role("link", name="New list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New list")

    filters = page.get_by_role("search", name="Filters")
    filters.get_by_label("Role").select_option("client")  # submits the bar by itself
    expect(page.locator("[data-term=role]")).to_contain_text("Client")
    # Alan is inactive: lists leave inactive contacts out unless asked.
    expect(page.locator("#list-preview-count")).to_have_text("3 contacts")

    page.get_by_label("Name", exact=True).fill("Campaign: clients")
    page.get_by_label("Description").fill("Spring newsletter")
    page.get_by_role("button", name="Create list").click()

    expect(page.get_by_text("List “Campaign: clients” created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaign: clients")
    expect(page.locator("[id^=list-count-]")).to_have_text("3 contacts")
    rows = page.locator("#members-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#members-table")).not_to_contain_text("Linus")
    expect(page.locator("#members-table")).not_to_contain_text("Alan")

    page.locator("#csv-menu summary").click()
    menu = page.locator("#csv-menu")
    menu.get_by_label("Last name").uncheck()
    menu.get_by_label("Phone").check()
    with page.expect_download() as info:
        menu.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename == "campaign-clients-members.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows_in_file = list(csv.reader(io.StringIO(handle.read())))
    assert rows_in_file[0] == ["Email", "First name", "Phone"]
    assert sorted(r[0] for r in rows_in_file[1:]) == ["ada@x.test", "gh@x.test", "mia@x.test"]


def test_a_member_downloads_only_the_contacts_they_may_see(page: Page, live_server, contacts):
    from tests.lists.factories import make_list

    workspace, owner, member = contacts
    user_list = make_list(owner, "Clients", role="client")
    log_in(page, live_server.url, member.user.email)
    page.goto(f"{live_server.url}/w/{workspace.slug}/lists/{user_list.pk}/")
    expect(page.locator(f"#list-count-{user_list.pk}")).to_have_text("1 contact")
    expect(page.locator("#members-table tbody tr")).to_have_count(1)
    # Not the creator, not an admin: no edit or delete.
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.locator("#csv-menu summary").click()
    with page.expect_download() as info:
        page.locator("#csv-menu").get_by_role("button", name="Download").click()
    with open(info.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows_in_file = list(csv.reader(handle))
    assert rows_in_file == [["Email", "First name", "Last name"], ["mia@x.test", "Mia", "Member"]]
