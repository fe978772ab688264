"""Our vCard 4.0 writer: escaping, folding, and a round trip through vobject."""

import pytest
import vobject

from rapport.core import services as core_services
from rapport.customers.models import Contact
from rapport.customers.selectors import contact_visible
from rapport.dataio.vcard import Card, contact_cards, contact_uid, escape, fold
from tests.customers.factories import make_company, make_contact
from tests.customfields.factories import RETAIL_B2B_GOV, make_field

LONG_NOTE = "Łódź " * 60 + "end"


def test_escape_handles_backslash_comma_semicolon_and_newlines():
    assert escape("a\\b,c;d\ne\r\nf") == "a\\\\b\\,c\\;d\\ne\\nf"


def test_short_lines_are_not_folded():
    assert fold("FN:Ada") == "FN:Ada\r\n"


def test_long_lines_fold_at_75_octets_with_a_leading_space():
    line = "NOTE:" + "x" * 200
    physical = fold(line).split("\r\n")
    assert physical[-1] == ""
    assert all(len(p.encode()) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:-1])
    assert "".join(p.removeprefix(" ") for p in physical) == line


@pytest.mark.parametrize("char", ["ł", "€", "😀"])
def test_folding_never_splits_a_multibyte_character(char):
    for pad in range(4):
        line = "NOTE:" + "x" * pad + char * 100
        physical = fold(line).split("\r\n")[:-1]
        for part in physical:
            assert len(part.encode()) <= 75
            part.encode().decode()  # each physical line is valid UTF-8 on its own
        assert "".join(p.removeprefix(" ") for p in physical) == line


def test_a_card_has_the_required_properties_in_order_with_crlf():
    text = Card(uid="urn:uuid:x", full_name="Ada Lovelace", family="Lovelace", given="Ada")
    lines = text.render().split("\r\n")
    assert lines[:5] == [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "UID:urn:uuid:x",
        "FN:Ada Lovelace",
        "N:Lovelace;Ada;;;",
    ]
    assert lines[-2:] == ["END:VCARD", ""]


def test_uids_are_stable_and_differ_per_contact_and_workspace():
    assert contact_uid(1, 2) == contact_uid(1, 2)
    assert contact_uid(1, 2).startswith("urn:uuid:")
    assert len({contact_uid(1, 2), contact_uid(1, 3), contact_uid(2, 2)}) == 3


def export(workspace, owner) -> str:
    qs = contact_visible(workspace=workspace, actor=owner).order_by("id")
    return "".join(contact_cards(workspace, qs))


def test_vobject_reads_our_cards_back(workspace, owner):
    make_field(workspace, "Background", "textarea")
    make_field(workspace, "Industry", "checkbox", options=RETAIL_B2B_GOV)
    vip = core_services.category_create(
        workspace=workspace, actor=owner, kind="labels", name="VIP, gold; tier"
    )
    plain = core_services.category_create(
        workspace=workspace, actor=owner, kind="labels", name="Łódź"
    )
    company = make_company(owner, name="Łódź Works; Ltd, Inc")
    contact = make_contact(
        owner,
        first_name="Zoë",
        last_name="Brontë, Jr; III",
        email="zoe@example.com",
        other_emails=["zoe@łódź.example", "z@example.org"],
        phone="+48 42 123 45 67",
        other_phones=["+31 20 555 0101"],
        company_id=company.pk,
        job_title="Head of R&D, Europe; East",
        label_ids=[vip.pk, plain.pk],
        custom={"background": LONG_NOTE, "industry": ["retail", "gov"]},
    )
    contact.refresh_from_db()
    text = export(workspace, owner)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))

    card = vobject.readOne(text)
    assert card.version.value == "4.0"
    assert card.fn.value == "Zoë Brontë, Jr; III"
    assert card.n.value.family == "Brontë, Jr; III"
    assert card.n.value.given == "Zoë"
    assert [e.value for e in card.email_list] == [
        "zoe@example.com",
        "zoe@łódź.example",
        "z@example.org",
    ]
    assert card.email.params == {"PREF": ["1"]}
    assert [t.value for t in card.tel_list] == ["+48 42 123 45 67", "+31 20 555 0101"]
    assert card.org.value == ["Łódź Works; Ltd, Inc"]
    assert card.title.value == "Head of R&D, Europe; East"
    assert sorted(card.categories.value) == ["VIP, gold; tier", "Łódź"]
    assert card.note.value == f"Background: {LONG_NOTE}\nIndustry: Retail, Government"
    assert card.uid.value == contact_uid(workspace.pk, contact.pk)
    assert card.rev.value == contact.updated_at.strftime("%Y%m%dT%H%M%SZ")


def test_a_contact_with_only_an_email_is_named_by_it(workspace, owner):
    contact = make_contact(owner, first_name="", last_name="", email="solo@example.com")
    card = vobject.readOne(export(workspace, owner))
    assert card.fn.value == "solo@example.com"
    Contact.objects.filter(pk=contact.pk).update(email="")
    card = vobject.readOne(export(workspace, owner))
    assert card.fn.value == f"Contact {contact.pk}"


def test_many_cards_read_back_as_many(workspace, owner):
    for n in range(5):
        make_contact(owner, first_name=f"P{n}")
    cards = list(vobject.readComponents(export(workspace, owner)))
    assert [c.n.value.given for c in cards] == [f"P{n}" for n in range(5)]
