"""A real Chromium through duplicates and merge: find the pair, pick a value, merge, land."""

import pytest
from playwright.sync_api import Page, expect

from rapport.customers.models import Contact
from tests.browser.helpers import log_in
from tests.customers.factories import make_contact

pytestmark = pytest.mark.browser


def test_review_a_pair_pick_a_value_merge_and_land_on_the_survivor(page: Page, live_server, people):
    workspace, owner, _mia = people
    keep = make_contact(owner, first_name="Ada", last_name="Lovelace", email="ada@engines.test")
    other = make_contact(
        owner,
        first_name="Augusta",
        last_name="Lovelace",
        email="ADA@engines.test",
        job_title="Countess",
    )
    base, ws = live_server.url, f"{live_server.url}/w/{workspace.slug}"

    errors = log_in(page, base, owner.user.email)
    page.goto(f"{ws}/contacts/")
    page.get_by_role("link", name="Duplicates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Likely duplicates")
    group = page.locator(".dup-group").filter(has_text="Same email")
    expect(group).to_contain_text("ada@engines.test")
    group.get_by_role("link", name="Review and merge").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Merge contacts")
    first_name = page.locator('tr[data-field="first_name"]')
    expect(first_name.get_by_label("Ada")).to_be_checked()
    first_name.get_by_label("Augusta").check()
    # The kept record has no job title, so the other's is already picked.
    expect(page.locator('tr[data-field="job_title"]').get_by_label("Countess")).to_be_checked()
    page.get_by_role("button", name="Merge 2 records").click()

    expect(page).to_have_url(f"{ws}/contacts/{keep.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Augusta Lovelace")
    expect(page.locator("#messages")).to_contain_text("Merged 1 contact into Augusta Lovelace.")
    expect(page.locator(".rec-event").first).to_contain_text("merged duplicates into this contact")
    assert errors == []
    assert not Contact.objects.filter(pk=other.pk).exists()
    assert page.goto(f"{ws}/contacts/{other.pk}/").status == 404


def test_choosing_another_record_to_keep_moves_the_defaults(page: Page, live_server, people):
    workspace, owner, _mia = people
    first = make_contact(owner, first_name="Ada", email="ada@engines.test")
    second = make_contact(owner, first_name="Augusta", email="ada@engines.test")
    base, ws = live_server.url, f"{live_server.url}/w/{workspace.slug}"
    log_in(page, base, owner.user.email)
    page.goto(f"{ws}/contacts/{first.pk}/merge/?with={second.pk}")
    row = page.locator('tr[data-field="first_name"]')
    expect(row.get_by_label("Ada")).to_be_checked()
    page.locator(f'input[name="survivor"][value="{second.pk}"]').check()
    expect(row.get_by_label("Augusta")).to_be_checked()
    expect(page.locator(f'td[data-record="{second.pk}"]').first).to_have_class(
        "merge-cell is-survivor"
    )
    page.get_by_role("button", name="Merge 2 records").click()
    expect(page).to_have_url(f"{ws}/contacts/{second.pk}/")
