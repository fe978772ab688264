"""Likely duplicates: each reason, visibility, the scan and its freshness, paging, queries."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.core import services as core_services
from rapport.core.models import Category
from rapport.customers import duplicates, match_keys, services
from rapport.customers.duplicate_models import DuplicateGroup, DuplicateScan
from rapport.customers.models import Company, Contact
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db


def groups(actor, entity="contact", **kwargs):
    """Every group the actor sees now (after a fresh scan), as (reason, value, ids)."""
    duplicates.duplicates_scan(workspace=actor.workspace, entity=entity)
    page = duplicates.duplicate_page(
        workspace=actor.workspace, actor=actor, entity=entity, limit=200, **kwargs
    )
    return [(g.reason, g.value, g.ids) for g in page.items]


# --- match keys -----------------------------------------------------------------------


def test_fold_drops_accents_and_case():
    assert match_keys.fold("Łódź ŻÓŁW Straße Æsir") == "lodz zolw strasse aesir"


@pytest.mark.parametrize(
    "phone", ["+48 601 234 567", "0048601234567", "601-234-567", "(0)601.234.567"]
)
def test_phone_key_is_the_last_nine_digits(phone):
    assert match_keys.phone_key(phone) == "601234567"


def test_phone_key_ignores_numbers_too_short_to_compare():
    assert match_keys.phone_key("12 34 56") == ""


@pytest.mark.parametrize(
    "name",
    [
        "Acme",
        "ACME, Inc.",
        "Acme Inc",
        "Acme LLC",
        "Acme Ltd.",
        "Acme GmbH & Co. KG",
        "Acme B.V.",
        "Acme sp. z o.o.",
        "Acme S.A.",
        "Ácme",
    ],
)
def test_company_key_ignores_case_accents_punctuation_and_legal_forms(name):
    assert match_keys.company_key(name) == "acme"


def test_company_key_keeps_a_name_that_is_only_a_legal_form():
    assert match_keys.company_key("Inc") == "inc"


def test_person_key_folds_each_name():
    assert match_keys.person_key("José", "Łukasiewicz") == "lukasiewicz jose"
    assert match_keys.person_key("", "") == ""


# --- contacts -------------------------------------------------------------------------


def test_same_email_in_any_case_is_a_group(owner):
    a = make_contact(owner, email="ada@engines.test")
    b = make_contact(owner, first_name="Augusta", email="x@y.test")
    # As an import that kept the capitals would have stored it.
    Contact.objects.filter(pk=b.pk).update(email="ADA@Engines.test")
    make_contact(owner, first_name="Other", email="other@engines.test")
    assert groups(owner) == [("email", "ada@engines.test", [a.pk, b.pk])]


def test_an_other_email_matches_a_primary_one(owner):
    a = make_contact(owner, first_name="Ada", email="ada@engines.test")
    b = make_contact(owner, first_name="Augusta", other_emails=["Ada@Engines.test"])
    assert groups(owner) == [("email", "ada@engines.test", [a.pk, b.pk])]


def test_two_other_emails_match_each_other(owner):
    a = make_contact(owner, first_name="Ada", other_emails=["shared@engines.test"])
    b = make_contact(owner, first_name="Augusta", other_emails=["shared@engines.test"])
    assert groups(owner) == [("email", "shared@engines.test", [a.pk, b.pk])]


def test_same_phone_written_differently_is_a_group(owner):
    a = make_contact(owner, first_name="Ada", phone="+48 601 234 567")
    b = make_contact(owner, first_name="Bob", phone="601-234-567")
    c = make_contact(owner, first_name="Cid", phone="0048 601 234 567")
    make_contact(owner, first_name="Dee", phone="+48 601 234 568")
    assert groups(owner) == [("phone", "601234567", [a.pk, b.pk, c.pk])]


def test_same_name_at_the_same_company_ignoring_case_and_accents(owner):
    firm = make_company(owner, name="Łódź Logistics")
    a = make_contact(owner, first_name="José", last_name="Łukasiewicz", company_id=firm.pk)
    b = make_contact(owner, first_name="jose", last_name="LUKASIEWICZ", company_id=firm.pk)
    assert groups(owner) == [("name", "lukasiewicz jose", [a.pk, b.pk])]


def test_same_name_at_different_companies_or_none_is_not_a_duplicate(owner):
    one, two = make_company(owner, name="One"), make_company(owner, name="Two")
    make_contact(owner, first_name="Ada", last_name="Lovelace", company_id=one.pk)
    make_contact(owner, first_name="Ada", last_name="Lovelace", company_id=two.pk)
    make_contact(owner, first_name="Ada", last_name="Lovelace")
    make_contact(owner, first_name="Ada", last_name="Lovelace")
    assert groups(owner) == []


def test_one_contact_can_be_in_groups_for_several_reasons(owner):
    firm = make_company(owner, name="Engines")
    a = make_contact(owner, email="ada@e.test", phone="601234567", company_id=firm.pk)
    b = make_contact(owner, email="ada@e.test", phone="601 234 567", company_id=firm.pk)
    assert groups(owner) == [
        ("email", "ada@e.test", [a.pk, b.pk]),
        ("phone", "601234567", [a.pk, b.pk]),
        ("name", "lovelace ada", [a.pk, b.pk]),
    ]
    assert groups(owner, reason="phone") == [("phone", "601234567", [a.pk, b.pk])]


def test_a_member_never_sees_a_group_through_contacts_they_may_not_see(owner, member):
    mine = make_contact(member, email="ada@e.test")
    private = make_contact(owner, email="ada@e.test")
    assert groups(member) == []
    assert groups(owner) == [("email", "ada@e.test", [mine.pk, private.pk])]


def test_a_member_sees_only_the_visible_records_of_a_bigger_group(owner, member, workspace):
    team = make_team(workspace, "Sales", member)
    mine = make_contact(member, email="ada@e.test")
    shared = make_contact(owner, email="ada@e.test", visibility="teams", team_ids=[team.pk])
    make_contact(owner, email="ada@e.test")  # private to the owner
    unclaimed = make_contact(owner, email="ada@e.test", owner_id=None)
    assert groups(member) == [("email", "ada@e.test", [mine.pk, shared.pk, unclaimed.pk])]


def test_who_may_see_a_pair_is_asked_when_the_page_is_read(owner, member, workspace):
    # Nothing about visibility is stored with the groups: a team seat or an owner change
    # after the scan shows (or hides) a pair at once, without another scan.
    team = make_team(workspace, "Sales")
    shared = make_contact(owner, email="ada@e.test", visibility="teams", team_ids=[team.pk])
    private = make_contact(owner, email="ada@e.test")
    duplicates.duplicates_scan(workspace=workspace, entity="contact")

    def seen():
        page = duplicates.duplicate_page(workspace=workspace, actor=member, entity="contact")
        return [g.ids for g in page.items]

    assert seen() == []
    core_services.team_member_add(
        workspace=workspace, actor=owner, team_id=team.pk, user_id=member.user_id
    )
    assert seen() == []  # the private one still hides the pair
    services.contact_update(
        workspace=workspace, actor=owner, contact_id=private.pk, data={"owner_id": None}
    )
    assert seen() == [[shared.pk, private.pk]]
    core_services.team_member_remove(
        workspace=workspace, actor=owner, team_id=team.pk, user_id=member.user_id
    )
    assert seen() == []


def test_a_group_of_three_shows_when_the_reader_may_see_two(owner, member):
    mine = make_contact(member, phone="601234567")
    make_contact(owner, phone="601234567")  # private to the owner
    unclaimed = make_contact(owner, phone="601234567", owner_id=None)
    assert groups(member) == [("phone", "601234567", [mine.pk, unclaimed.pk])]
    (group,) = duplicates.duplicate_page(
        workspace=member.workspace, actor=member, entity="contact"
    ).items
    assert group.size == 2


def test_groups_of_an_older_scan_without_their_pair_still_show(owner, member):
    # Groups written before pairs were named on the group row count their member rows.
    a = make_contact(member, email="ada@e.test")
    b = make_contact(owner, email="ada@e.test", owner_id=None)
    make_contact(owner, email="bob@e.test")
    make_contact(member, email="bob@e.test")
    duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
    DuplicateGroup.objects.update(first=None, second=None)
    page = duplicates.duplicate_page(workspace=owner.workspace, actor=member, entity="contact")
    assert [(g.value, g.ids) for g in page.items] == [("ada@e.test", [a.pk, b.pk])]


def test_records_merged_deleted_or_edited_since_the_scan_drop_out(owner):
    a = make_contact(owner, email="ada@e.test", phone="601234567")
    b = make_contact(owner, email="ada@e.test", phone="601234567")
    duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
    services.contact_update(
        workspace=owner.workspace, actor=owner, contact_id=b.pk, data={"phone": "700000000"}
    )
    page = duplicates.duplicate_page(workspace=owner.workspace, actor=owner, entity="contact")
    assert [(g.reason, g.ids) for g in page.items] == [("email", [a.pk, b.pk])]
    services.contact_delete(workspace=owner.workspace, actor=owner, contact_id=b.pk)
    page = duplicates.duplicate_page(workspace=owner.workspace, actor=owner, entity="contact")
    assert page.items == []


def test_groups_page_in_key_order(owner):
    for n in range(5):
        make_contact(owner, first_name=f"A{n}", email=f"p{n}@e.test")
        make_contact(owner, first_name=f"B{n}", email=f"p{n}@e.test")
    duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
    seen, cursor = [], None
    while True:
        page = duplicates.duplicate_page(
            workspace=owner.workspace, actor=owner, entity="contact", limit=2, cursor=cursor
        )
        seen.append([g.value for g in page.items])
        if page.next is None:
            break
        cursor = page.next
    assert seen == [["p0@e.test", "p1@e.test"], ["p2@e.test", "p3@e.test"], ["p4@e.test"]]


def test_a_reason_of_the_other_entity_is_refused(owner):
    with pytest.raises(duplicates.Invalid) as exc:
        duplicates.duplicate_page(
            workspace=owner.workspace, actor=owner, entity="contact", reason="domain"
        )
    assert exc.value.field == "reason"


def test_a_group_bigger_than_a_page_reads_counts_everyone(owner, monkeypatch):
    monkeypatch.setattr(duplicates, "READ_PER_GROUP", 3)
    ids = [make_contact(owner, first_name=f"N{n}", phone="601234567").pk for n in range(5)]
    duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
    (group,) = duplicates.duplicate_page(
        workspace=owner.workspace, actor=owner, entity="contact"
    ).items
    assert group.ids == ids[:3]
    assert group.size == 5


# --- companies --------------------------------------------------------------------------


def test_companies_with_the_same_domain_are_a_group(owner):
    a = make_company(owner, name="Engines", domain="engines.test")
    b = make_company(owner, name="Analytical", domain="x.test")
    Company.objects.filter(pk=b.pk).update(domain="Engines.TEST")
    assert groups(owner, "company") == [("domain", "engines.test", [a.pk, b.pk])]


def test_companies_with_near_identical_names_are_a_group(owner):
    a = make_company(owner, name="Łódź Logistics sp. z o.o.")
    b = make_company(owner, name="LODZ LOGISTICS")
    c = make_company(owner, name="Lodz-Logistics S.A.")
    make_company(owner, name="Lodz Shipping")
    assert groups(owner, "company") == [("name", "lodzlogistics", [a.pk, b.pk, c.pk])]


def test_every_member_sees_company_groups(member, owner):
    a = make_company(owner, name="Acme Inc.")
    b = make_company(owner, name="ACME")
    assert groups(member, "company") == [("name", "acme", [a.pk, b.pk])]


# --- the scan -----------------------------------------------------------------------------


def test_a_small_workspace_is_scanned_when_the_page_is_opened(owner):
    a = make_contact(owner, email="ada@e.test")
    b = make_contact(owner, email="ada@e.test")
    scan = duplicates.duplicates_refresh(workspace=owner.workspace, entity="contact")
    assert scan.finished_at is not None
    page = duplicates.duplicate_page(workspace=owner.workspace, actor=owner, entity="contact")
    assert [g.ids for g in page.items] == [[a.pk, b.pk]]


def test_a_fresh_scan_is_not_repeated_until_it_is_old_or_asked_for(owner):
    make_contact(owner, email="ada@e.test")
    make_contact(owner, email="ada@e.test")
    first = duplicates.duplicates_refresh(workspace=owner.workspace, entity="contact")
    make_contact(owner, email="bob@e.test")
    make_contact(owner, email="bob@e.test")
    again = duplicates.duplicates_refresh(workspace=owner.workspace, entity="contact")
    assert again.finished_at == first.finished_at
    assert DuplicateGroup.objects.filter(workspace=owner.workspace).count() == 1
    DuplicateScan.objects.filter(pk=first.pk).update(
        finished_at=timezone.now() - duplicates.FRESH_INLINE - dt.timedelta(seconds=1)
    )
    duplicates.duplicates_refresh(workspace=owner.workspace, entity="contact")
    assert DuplicateGroup.objects.filter(workspace=owner.workspace).count() == 2
    make_contact(owner, email="cid@e.test")
    make_contact(owner, email="cid@e.test")
    duplicates.duplicates_refresh(workspace=owner.workspace, entity="contact", force=True)
    assert DuplicateGroup.objects.filter(workspace=owner.workspace).count() == 3


def test_a_big_workspace_is_scanned_by_the_worker(owner, monkeypatch):
    """Tests run tasks immediately, so the enqueued scan has run when refresh returns."""
    monkeypatch.setattr(duplicates, "INLINE_RECORDS", 1)
    make_contact(owner, email="ada@e.test")
    make_contact(owner, email="ada@e.test")
    scan = duplicates.duplicates_refresh(workspace=owner.workspace, entity="contact")
    assert scan.requested_at is not None
    assert scan.finished_at is not None
    assert scan.records == 2
    assert duplicates.scan_state(scan)["scanning"] is False


def test_a_scan_replaces_only_its_own_workspace_and_entity(owner, outsider):
    make_contact(owner, email="ada@e.test")
    make_contact(owner, email="ada@e.test")
    make_company(owner, name="Acme")
    make_company(owner, name="Acme Inc")
    make_contact(outsider, email="ada@e.test")
    make_contact(outsider, email="ada@e.test")
    for actor in (owner, outsider):
        duplicates.duplicates_scan(workspace=actor.workspace, entity="contact")
    duplicates.duplicates_scan(workspace=owner.workspace, entity="company")
    duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
    counts = {
        (ws, entity): DuplicateGroup.objects.filter(workspace=ws, entity=entity).count()
        for ws in (owner.workspace, outsider.workspace)
        for entity in ("contact", "company")
    }
    assert counts == {
        (owner.workspace, "contact"): 1,
        (owner.workspace, "company"): 1,
        (outsider.workspace, "contact"): 1,
        (outsider.workspace, "company"): 0,
    }


def test_the_page_reads_a_fixed_number_of_queries(owner, member, django_assert_max_num_queries):
    source = Category.objects.filter(workspace=owner.workspace, kind="sources").first()
    firm = make_company(owner, name="Engines")
    for n in range(12):
        for actor in (owner, member):
            make_contact(
                actor,
                first_name=f"P{n}",
                email=f"p{n}@e.test",
                phone=f"60123{n:04d}",
                company_id=firm.pk,
                source_id=source.pk if source else None,
            )
    for actor in (owner, member):
        duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
        with django_assert_max_num_queries(5):
            page = duplicates.duplicate_page(
                workspace=owner.workspace, actor=actor, entity="contact", limit=30
            )
        assert len(page.items) == (30 if actor is owner else 0)


def test_a_members_page_reads_a_fixed_number_of_queries(
    owner, member, django_assert_max_num_queries
):
    for n in range(12):
        make_contact(member, first_name=f"P{n}", email=f"p{n}@e.test")
        make_contact(owner, first_name=f"U{n}", email=f"p{n}@e.test", owner_id=None)
        make_contact(owner, first_name=f"O{n}", email=f"p{n}@e.test" if n % 2 else "")
    # One group too big to read whole: its visible members are counted apart.
    for n in range(duplicates.READ_PER_GROUP + 2):
        make_contact(member if n % 2 else owner, first_name=f"Q{n}", phone="601234567")
    duplicates.duplicates_scan(workspace=owner.workspace, entity="contact")
    with django_assert_max_num_queries(5):
        page = duplicates.duplicate_page(
            workspace=owner.workspace, actor=member, entity="contact", limit=30
        )
    # Pairs (even n) and groups of three (odd n) alike show the two the member may see.
    half = duplicates.READ_PER_GROUP // 2
    assert [(len(g.ids), g.size) for g in page.items] == [(2, 2)] * 12 + [(half, half + 1)]
