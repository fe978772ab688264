"""Merging contacts and companies through the services: what moves, what is kept, who may."""

import pytest

from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.core.models import Activity, Category
from rapport.customers import services
from rapport.customers.models import (
    Company,
    CompanyLabel,
    Contact,
    ContactLabel,
    ContactTeam,
    Note,
    SavedView,
)
from rapport.customers.services import merge
from rapport.customfields.models import CustomField, CustomSection
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db


def label(workspace, name):
    return Category.objects.create(workspace=workspace, kind="labels", name=f"Merge {name}")


def note(actor, body, **subject):
    return services.note_create(
        workspace=actor.workspace, actor=actor, data={"body": body, **subject}
    )


def merge_contacts(actor, survivor, *others, fields=None):
    return services.contact_merge(
        workspace=actor.workspace,
        actor=actor,
        contact_id=survivor.pk,
        other_ids=[o.pk for o in others],
        fields=fields,
    )


# --- contacts: what moves -----------------------------------------------------------------


def test_merge_moves_notes_labels_teams_and_timeline_and_deletes_the_others(owner, workspace):
    sales, support = make_team(workspace, "Sales"), make_team(workspace, "Support")
    vip, lead = label(workspace, "VIP"), label(workspace, "Hot")
    keep = make_contact(owner, email="ada@e.test", label_ids=[vip.pk])
    other = make_contact(
        owner,
        email="ada@e.test",
        label_ids=[vip.pk, lead.pk],
        visibility="teams",
        team_ids=[sales.pk, support.pk],
    )
    note(owner, "Met at the fair", contact_id=other.pk)
    note(owner, "Called", contact_id=keep.pk)
    other_history = set(
        Activity.objects.filter(target_type="contact", target_id=other.pk).values_list(
            "pk", flat=True
        )
    )

    survivor = merge_contacts(owner, keep, other)

    assert survivor.pk == keep.pk
    assert not Contact.objects.filter(pk=other.pk).exists()
    assert sorted(Note.objects.filter(contact=keep).values_list("body", flat=True)) == [
        "Called",
        "Met at the fair",
    ]
    assert set(ContactLabel.objects.filter(contact=keep).values_list("category_id", flat=True)) == {
        vip.pk,
        lead.pk,
    }
    assert set(ContactTeam.objects.filter(contact=keep).values_list("team_id", flat=True)) == {
        sales.pk,
        support.pk,
    }
    assert survivor.visibility == "teams"
    moved = set(
        Activity.objects.filter(target_type="contact", target_id=keep.pk).values_list(
            "pk", flat=True
        )
    )
    assert other_history <= moved
    assert not Activity.objects.filter(target_type="contact", target_id=other.pk).exists()


def test_merge_is_recorded_on_the_survivors_timeline(owner):
    keep = make_contact(owner, first_name="Ada", email="ada@e.test")
    other = make_contact(owner, first_name="Augusta", email="ada@e.test", job_title="Countess")
    merge_contacts(owner, keep, other, fields={"first_name": other.pk})
    event = Activity.objects.get(target_type="contact", target_id=keep.pk, verb="contact.merged")
    assert event.changes["merged_ids"] == [[other.pk], keep.pk]
    assert event.changes["merged"] == [
        [f"Augusta Lovelace (#{other.pk})"],
        f"Augusta Lovelace (#{keep.pk})",
    ]
    assert event.changes["first_name"] == ["Ada", "Augusta"]
    assert event.changes["job_title"] == ["", "Countess"]
    assert event.changes["picked"][1]["first_name"] == other.pk
    assert event.changes["picked"][1]["email"] == keep.pk


def test_picked_fields_are_applied_and_the_rest_keep_the_survivors_or_first_value(
    owner, admin, workspace
):
    firm = make_company(owner, name="Engines")
    source = Category.objects.create(workspace=workspace, kind="sources", name="Fair")
    keep = make_contact(owner, first_name="Ada", email="ada@e.test", phone="", role="lead")
    other = make_contact(
        admin,
        first_name="Augusta",
        email="augusta@e.test",
        phone="+44 20 7946 0000",
        company_id=firm.pk,
        source_id=source.pk,
        role="client",
    )
    survivor = merge_contacts(
        owner, keep, other, fields={"email": other.pk, "role": other.pk, "owner_id": other.pk}
    )
    assert survivor.first_name == "Ada"  # the survivor's, present
    assert survivor.email == "augusta@e.test"  # picked
    assert survivor.phone == "+44 20 7946 0000"  # the survivor had none
    assert survivor.company_id == firm.pk
    assert survivor.source_id == source.pk
    assert survivor.role == "client"
    assert survivor.owner_id == admin.user_id
    assert survivor.other_emails == ["ada@e.test"]  # the primary address not kept


def test_picking_an_empty_value_clears_the_field(owner):
    keep = make_contact(owner, email="ada@e.test", job_title="Countess")
    other = make_contact(owner, email="ada@e.test")
    survivor = merge_contacts(owner, keep, other, fields={"job_title": other.pk})
    assert survivor.job_title == ""


def test_other_emails_and_phones_are_the_union_without_repeats(owner):
    keep = make_contact(owner, email="ada@e.test", phone="601 234 567", other_emails=["a2@e.test"])
    other = make_contact(
        owner,
        email="ADA@e.test",
        phone="+48 601 234 567",
        other_emails=["a2@e.test", "a3@e.test"],
        other_phones=["+48 700 000 000"],
    )
    Contact.objects.filter(pk=other.pk).update(email="ADA@e.test")
    survivor = merge_contacts(owner, keep, other)
    assert survivor.email == "ada@e.test"
    assert survivor.other_emails == ["a2@e.test", "a3@e.test"]
    assert survivor.phone == "601 234 567"
    assert survivor.other_phones == ["+48 700 000 000"]


def test_custom_values_are_picked_per_key(owner, workspace):
    section = CustomSection.objects.create(workspace=workspace, entity="contact", name="Profile")
    for key in ("industry", "size"):
        CustomField.objects.create(
            workspace=workspace, entity="contact", section=section, key=key, label=key, type="text"
        )
    keep = make_contact(owner, email="a@e.test", custom={"industry": "Retail"})
    other = make_contact(owner, email="a@e.test", custom={"industry": "Mining", "size": "Big"})
    survivor = merge_contacts(owner, keep, other, fields={"custom.industry": other.pk})
    assert survivor.custom == {"industry": "Mining", "size": "Big"}


def test_the_survivors_version_goes_up(owner):
    keep = make_contact(owner, email="a@e.test")
    other = make_contact(owner, email="a@e.test")
    before = Contact.objects.get(pk=keep.pk).version
    assert merge_contacts(owner, keep, other).version == before + 1


def test_a_company_whose_primary_contact_was_merged_points_at_the_survivor(owner):
    keep = make_contact(owner, email="a@e.test")
    other = make_contact(owner, email="a@e.test")
    firm = make_company(owner, name="Engines")
    services.company_update(
        workspace=owner.workspace,
        actor=owner,
        company_id=firm.pk,
        data={"primary_contact_id": other.pk},
    )
    merge_contacts(owner, keep, other)
    assert Company.objects.get(pk=firm.pk).primary_contact_id == keep.pk


def test_merging_three_at_once(owner):
    a, b, c = (make_contact(owner, first_name=n, email="x@e.test") for n in ("A", "B", "C"))
    merge_contacts(owner, a, b, c)
    assert list(Contact.objects.filter(email="x@e.test").values_list("pk", flat=True)) == [a.pk]


def test_search_index_forgets_the_others_and_refreshes_the_survivor(owner, monkeypatch):
    calls = []
    monkeypatch.setattr(merge.search_index, "forget", lambda *a: calls.append(("forget", *a)))
    monkeypatch.setattr(merge.search_index, "refresh", lambda *a: calls.append(("refresh", *a)))
    keep = make_contact(owner, email="a@e.test")
    other = make_contact(owner, email="a@e.test")
    calls.clear()
    merge_contacts(owner, keep, other)
    ws = owner.workspace.pk
    assert calls == [("forget", ws, "contact", [other.pk]), ("refresh", ws, "contact", [keep.pk])]


def test_merge_hooks_run_inside_the_merge_with_survivor_and_others(owner, monkeypatch):
    seen = []
    monkeypatch.setitem(merge.MERGE_HOOKS, "contact", [])

    @merge.merge_hook("contact")
    def projects(*, workspace, actor, survivor, losers):
        # Still there: hooks run before the others are deleted.
        seen.append(
            (
                survivor.pk,
                [x.pk for x in losers],
                Contact.objects.filter(pk__in=[x.pk for x in losers]).count(),
            )
        )

    keep = make_contact(owner, email="a@e.test")
    other = make_contact(owner, email="a@e.test")
    merge_contacts(owner, keep, other)
    assert seen == [(keep.pk, [other.pk], 1)]


def test_a_reference_no_one_moves_makes_the_merge_refuse(owner, monkeypatch):
    """As when a later module points at contacts without registering a merge hook."""
    monkeypatch.setitem(
        merge.HANDLED, "contact", merge.HANDLED["contact"] - {"customers.Note.contact"}
    )
    keep = make_contact(owner, email="a@e.test")
    other = make_contact(owner, email="a@e.test")
    note(owner, "Hello", contact_id=other.pk)
    with pytest.raises(Conflict) as exc:
        merge_contacts(owner, keep, other)
    assert "notes" in exc.value.message
    assert Contact.objects.filter(pk=other.pk).exists()


# --- contacts: who may, and bad input ----------------------------------------------------


def test_a_contact_the_member_may_not_see_is_not_found(owner, member):
    mine = make_contact(member, email="a@e.test")
    private = make_contact(owner, email="a@e.test")
    with pytest.raises(NotFound) as exc:
        merge_contacts(member, mine, private)
    assert exc.value.errors == [
        {"field": "other_ids", "message": f"Contact #{private.pk} not found."}
    ]
    with pytest.raises(NotFound):
        merge_contacts(member, private, mine)
    assert Contact.objects.filter(pk__in=[mine.pk, private.pk]).count() == 2


def test_a_contact_of_another_workspace_is_not_found(owner, outsider):
    mine = make_contact(owner, email="a@e.test")
    theirs = make_contact(outsider, email="a@e.test")
    with pytest.raises(NotFound):
        merge_contacts(owner, mine, theirs)
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_a_contact_the_member_sees_but_may_not_delete_is_forbidden(owner, member, workspace):
    team = make_team(workspace, "Sales", member)
    mine = make_contact(member, email="a@e.test")
    shared = make_contact(owner, email="a@e.test", visibility="teams", team_ids=[team.pk])
    unclaimed = make_contact(owner, email="a@e.test", owner_id=None)
    for other in (shared, unclaimed):
        with pytest.raises(Forbidden) as exc:
            merge_contacts(member, mine, other)
        assert str(other) in exc.value.message
    assert Contact.objects.filter(email="a@e.test").count() == 3


def test_an_admin_may_merge_contacts_they_see_but_do_not_own(owner, admin, member, workspace):
    team = make_team(workspace, "Sales", admin)
    a = make_contact(member, email="a@e.test", visibility="teams", team_ids=[team.pk])
    b = make_contact(owner, email="a@e.test", owner_id=None)
    merge_contacts(admin, a, b)
    assert not Contact.objects.filter(pk=b.pk).exists()


@pytest.mark.parametrize(
    ("other_ids", "field"),
    [([], "other_ids"), ("self", "other_ids"), (["x"], "other_ids"), ("many", "other_ids")],
)
def test_bad_other_ids_are_refused_and_nothing_changes(owner, other_ids, field):
    keep = make_contact(owner, email="a@e.test")
    if other_ids == "self":
        other_ids = [keep.pk]
    elif other_ids == "many":
        other_ids = [make_contact(owner, email="a@e.test").pk for _ in range(merge.MAX_RECORDS)]
    with pytest.raises(Invalid) as exc:
        services.contact_merge(
            workspace=owner.workspace, actor=owner, contact_id=keep.pk, other_ids=other_ids
        )
    assert exc.value.field == field
    assert Contact.objects.filter(pk=keep.pk, version=1).exists()


def test_a_field_that_is_not_one_or_a_value_from_elsewhere_is_refused(owner):
    keep = make_contact(owner, email="a@e.test")
    other = make_contact(owner, email="a@e.test")
    stranger = make_contact(owner, email="z@e.test")
    with pytest.raises(Invalid) as exc:
        merge_contacts(
            owner, keep, other, fields={"colour": keep.pk, "email": stranger.pk, "custom.no": 1}
        )
    assert [e["field"] for e in exc.value.errors] == [
        "fields.colour",
        "fields.email",
        "fields.custom.no",
    ]
    assert Contact.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2


# --- companies ----------------------------------------------------------------------------


def merge_companies(actor, survivor, *others, fields=None):
    return services.company_merge(
        workspace=actor.workspace,
        actor=actor,
        company_id=survivor.pk,
        other_ids=[o.pk for o in others],
        fields=fields,
    )


def test_company_merge_moves_contacts_notes_labels_and_keeps_the_primary_contact(
    owner, member, workspace
):
    vip = label(workspace, "VIP")
    keep = make_company(owner, name="Acme", domain="acme.test")
    other = make_company(owner, name="ACME Inc.", city="Lyon", label_ids=[vip.pk])
    ada = make_contact(owner, email="ada@acme.test", company_id=other.pk)
    hidden = make_contact(member, email="bob@acme.test", company_id=other.pk)  # owner sees it
    services.company_update(
        workspace=owner.workspace,
        actor=owner,
        company_id=other.pk,
        data={"primary_contact_id": ada.pk},
    )
    note(owner, "Big client", company_id=other.pk)

    survivor = merge_companies(owner, keep, other)

    assert not Company.objects.filter(pk=other.pk).exists()
    assert set(Contact.objects.filter(company=keep).values_list("pk", flat=True)) == {
        ada.pk,
        hidden.pk,
    }
    assert survivor.primary_contact_id == ada.pk  # the survivor had none
    assert survivor.city == "Lyon"
    assert survivor.name == "Acme"
    assert list(Note.objects.filter(company=keep).values_list("body", flat=True)) == ["Big client"]
    assert list(
        CompanyLabel.objects.filter(company=keep).values_list("category_id", flat=True)
    ) == [vip.pk]
    event = Activity.objects.get(target_type="company", target_id=keep.pk, verb="company.merged")
    assert event.changes["merged_ids"] == [[other.pk], keep.pk]
    assert event.changes["contacts"] == [None, 2]


def test_company_merge_moves_contacts_the_actor_may_not_see(owner, admin):
    keep = make_company(admin, name="Acme")
    other = make_company(admin, name="Acme Ltd")
    private = make_contact(owner, email="p@acme.test", company_id=other.pk)
    merge_companies(admin, keep, other, fields={"name": other.pk})
    assert Contact.objects.get(pk=private.pk).company_id == keep.pk
    assert Company.objects.get(pk=keep.pk).name == "Acme Ltd"


def test_saved_views_filtered_by_a_merged_company_follow_the_survivor(owner):
    keep = make_company(owner, name="Acme")
    other = make_company(owner, name="Acme Ltd")
    view = services.saved_view_create(
        workspace=owner.workspace,
        actor=owner,
        data={"name": "Acme people", "entity": "contact", "filters": {"company": str(other.pk)}},
    )
    merge_companies(owner, keep, other)
    assert SavedView.objects.get(pk=view.pk).filters["company"] == str(keep.pk)


def test_a_company_owned_by_someone_else_is_forbidden_to_a_member(owner, member):
    mine = make_company(member, name="Acme")
    theirs = make_company(owner, name="Acme Inc")
    with pytest.raises(Forbidden):
        merge_companies(member, mine, theirs)
    assert Company.objects.filter(pk=theirs.pk).exists()


def test_a_company_of_another_workspace_is_not_found(owner, outsider):
    mine = make_company(owner, name="Acme")
    theirs = make_company(outsider, name="Acme")
    with pytest.raises(NotFound):
        merge_companies(owner, mine, theirs)


def test_a_member_may_merge_unowned_companies(owner, member):
    a = make_company(owner, name="Acme", owner_id=None)
    b = make_company(owner, name="Acme Inc", owner_id=None)
    merge_companies(member, a, b)
    assert not Company.objects.filter(pk=b.pk).exists()


def test_bad_company_fields_are_refused(owner):
    keep, other = make_company(owner, name="Acme"), make_company(owner, name="Acme Inc")
    with pytest.raises(Invalid) as exc:
        merge_companies(owner, keep, other, fields={"email": keep.pk})
    assert exc.value.errors == [
        {"field": "fields.email", "message": "email is not a field that can be merged."}
    ]
