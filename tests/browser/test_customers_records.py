"""A real Chromium on the record pages: private contacts, sharing, claiming, notes and a
custom dropdown defined in settings and used on a contact."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.core.factories import make_member
from tests.customers.factories import make_contact, make_team

pytestmark = pytest.mark.browser


def test_a_private_contact_is_found_by_a_teammate_only_once_shared(
    page: Page, browser, live_server, people
):
    workspace, _owner, mia = people
    bob = make_member(workspace, "bob@acme.test")
    make_team(workspace, "Sales", bob)
    base, ws = live_server.url, f"{live_server.url}/w/{workspace.slug}"

    errors = log_in(page, base, mia.user.email)
    page.goto(f"{ws}/contacts/new/")
    page.get_by_label("First name").fill("Secret")
    page.get_by_label("Last name").fill("Agent")
    page.get_by_label("Email", exact=True).fill("secret@agent.test")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Secret Agent")
    expect(page.locator("#contact-sharing")).to_contain_text("Private")
    detail = page.url

    bob_page = browser.new_context().new_page()
    log_in(bob_page, base, bob.user.email)
    bob_page.goto(f"{ws}/contacts/?q=Secret")
    expect(bob_page.get_by_role("link", name="Secret Agent")).to_have_count(0)
    assert bob_page.goto(detail).status == 404

    page.get_by_role("link", name="Sharing").click()
    page.get_by_label("Shared with the teams below").check()
    page.get_by_label("Sales", exact=True).check()
    page.get_by_role("button", name="Save sharing").click()
    expect(page.locator("#contact-sharing")).to_have_text("Shared with: Sales")

    bob_page.goto(f"{ws}/contacts/?q=Secret")
    bob_page.get_by_role("link", name="Secret Agent").click()
    expect(bob_page.get_by_role("heading", level=1)).to_have_text("Secret Agent")
    # A teammate may edit the contact but not re-share or delete it.
    expect(bob_page.get_by_role("link", name="Edit")).to_be_visible()
    expect(bob_page.get_by_role("link", name="Sharing")).to_have_count(0)
    bob_page.context.close()
    assert errors == []


def test_claim_an_unclaimed_contact_then_note_a_call(page: Page, live_server, people):
    workspace, owner, mia = people
    contact = make_contact(owner, owner_id=None, first_name="Free", last_name="Agent")
    base = live_server.url
    errors = log_in(page, base, mia.user.email)
    page.goto(f"{base}/w/{workspace.slug}/contacts/{contact.pk}/")
    head = page.locator("#contact-head")
    expect(head).to_contain_text("Unclaimed")
    head.get_by_role("button", name="Claim").click()
    expect(page.get_by_text("You now own Free Agent.")).to_be_visible()
    expect(head).to_contain_text("Mia")
    expect(head.get_by_role("button", name="Claim")).to_have_count(0)

    # The note goes in over htmx; the timeline reloads itself with the new entry.
    page.get_by_label("Note", exact=True).fill("Called: wants a demo on Monday.")
    page.get_by_label("Note type").select_option(label="Call")
    page.get_by_role("button", name="Add note").click()
    note = page.locator("#note-items .rec-note").first
    expect(note).to_contain_text("Called: wants a demo on Monday.")
    expect(note.locator(".rec-note-type")).to_have_text("Call")
    timeline = page.locator("#timeline")
    expect(timeline.locator(".rec-event").first).to_contain_text("added a note")
    expect(timeline).to_contain_text("claimed this contact")

    # Change the type in place: the select submits itself.
    note.get_by_label("Note type").select_option(label="Meeting")
    expect(page.locator("#note-items .rec-note").first.locator(".rec-note-type")).to_have_text(
        "Meeting"
    )
    expect(timeline.locator(".rec-event").first).to_contain_text("Note type: Call → Meeting")

    # Edit the text in place; an empty text is refused beside the field, in place too.
    first = page.locator("#note-items > li").first
    first.get_by_role("link", name="Edit").click()
    first.get_by_label("Note", exact=True).fill("")
    first.get_by_role("button", name="Save note").click()
    expect(first.get_by_role("alert")).to_have_text("Write the note.")
    first.get_by_label("Note", exact=True).fill("Demo moved to Tuesday.")
    first.get_by_role("button", name="Save note").click()
    expect(page.locator("#note-items .rec-note").first).to_contain_text("Demo moved to Tuesday.")
    expect(page.locator("#note-items .rec-note")).to_have_count(1)
    assert errors == []


def test_a_dropdown_added_in_settings_is_used_on_a_contact(page: Page, live_server, people):
    workspace, owner, _mia = people
    base = live_server.url
    errors = log_in(page, base, owner.user.email)
    page.goto(f"{base}/w/{workspace.slug}/settings/custom-fields/")
    form = page.locator("#cf-add-field")
    form.get_by_label("Label").fill("Industry")
    form.get_by_label("Type").select_option("dropdown")
    form.get_by_label("Options").fill("Retail\nB2B\nGovernment")
    form.get_by_role("button", name="Add field").click()
    # The field's stable key shows once it exists (the empty page mentions "Industry" too).
    expect(page.locator("#custom-fields code.cf-key")).to_have_text("industry")

    page.goto(f"{base}/w/{workspace.slug}/contacts/new/")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Industry").select_option(label="B2B")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace")
    expect(page.locator("#custom-values")).to_contain_text("Industry")
    expect(page.locator("#custom-values")).to_contain_text("B2B")

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Industry")).to_have_value("b2b")
    page.get_by_label("Industry").select_option(label="Government")
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator("#custom-values")).to_contain_text("Government")
    expect(page.locator("#timeline")).to_contain_text("Industry: B2B → Government")
    assert errors == []
