"""A real Chromium on the top bar's search box: "/" focuses it, suggestions come as one
types, the arrow keys and Enter open a record, Enter alone opens all results."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact

pytestmark = pytest.mark.browser


def test_typing_lod_suggests_the_record_and_arrow_enter_opens_it(page: Page, live_server, people):
    workspace, _owner, mia = people
    contact = make_contact(mia, first_name="Paweł", last_name="Łódzki", email="pawel@x.example")
    make_company(mia, name="Łódź Textiles")
    other = make_member(workspace, "bob@acme.test")
    make_contact(other, first_name="Private", last_name="Łodygowski")
    errors = log_in(page, live_server.url, mia.user.email)

    box = page.get_by_role("combobox", name="Search")
    page.locator("body").press("/")
    expect(box).to_be_focused()
    box.press_sequentially("lod", delay=30)
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(3)  # the company, the contact, "All results"
    expect(listbox).to_contain_text("Paweł Łódzki")
    expect(listbox).not_to_contain_text("Private")

    box.press("ArrowDown")
    first = options.nth(0)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    # Down to the contact, wherever relevance put it among the two records.
    target = next(i for i, text in enumerate(options.all_inner_texts()) if "Łódzki" in text)
    for _ in range(target):
        box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/w/{workspace.slug}/contacts/{contact.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paweł Łódzki")
    assert errors == []


def test_enter_without_a_choice_opens_all_results_and_escape_closes(
    page: Page, live_server, people
):
    workspace, _owner, mia = people
    make_contact(mia, first_name="Ada", last_name="Lovelace")
    log_in(page, live_server.url, mia.user.email)
    box = page.get_by_role("combobox", name="Search")
    box.click()
    box.press_sequentially("lovel", delay=30)
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_contain_text("Ada Lovelace")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/w/{workspace.slug}/search/?q=lovel")
    expect(page.locator("#search-results")).to_contain_text("Ada Lovelace")
    expect(box).to_have_value("lovel")
