"""Rules of the customer services that neither the API nor the pages show directly."""

import pytest

from rapport.core.errors import Conflict, Forbidden, Invalid
from rapport.core.models import Activity
from rapport.customers import selectors, services
from rapport.customers.models import Contact
from tests.customers.factories import make_company, make_contact, make_team


def test_primary_contact_change_is_recorded_by_id_not_name(workspace, owner, member):
    company = make_company(member)
    person = make_contact(owner, first_name="Secret", last_name="Person")
    services.company_update(
        workspace=workspace,
        actor=owner,
        company_id=company.pk,
        data={"primary_contact_id": person.pk},
    )
    row = Activity.objects.get(target_type="company", target_id=company.pk, verb="company.updated")
    assert row.changes == {"primary_contact": [None, person.pk]}
    assert "Secret" not in str(row.changes)


def test_bulk_owner_change_skips_contacts_the_member_does_not_manage(workspace, admin, member):
    team = make_team(workspace, "Sales", member)
    mine = make_contact(member)
    shared = make_contact(admin, visibility="teams", team_ids=[team.pk])
    result = services.contact_bulk(
        workspace=workspace,
        actor=member,
        ids=[mine.pk, shared.pk],
        action="set_owner",
        value=None,
    )
    assert (result.changed, result.skipped) == (1, 1)
    assert Contact.objects.get(pk=shared.pk).owner_id == admin.user_id


def test_bulk_never_touches_a_contact_the_actor_cannot_see(workspace, admin, member):
    hidden = make_contact(admin)
    result = services.contact_bulk(
        workspace=workspace, actor=member, ids=[hidden.pk], action="delete"
    )
    assert (result.changed, result.skipped) == (0, 1)
    assert Contact.objects.filter(pk=hidden.pk).exists()


def test_deleting_a_company_with_contacts_asks_what_happens_to_them(workspace, owner):
    company = make_company(owner)
    person = make_contact(owner, company_id=company.pk)
    with pytest.raises(Conflict) as exc:
        services.company_delete(workspace=workspace, actor=owner, company_id=company.pk)
    assert exc.value.code == "has_contacts"
    services.company_delete(
        workspace=workspace, actor=owner, company_id=company.pk, on_contacts="detach"
    )
    assert Contact.objects.get(pk=person.pk).company_id is None


def test_sharing_with_teams_needs_a_team(workspace, member):
    with pytest.raises(Invalid) as exc:
        make_contact(member, visibility="teams", team_ids=[])
    assert exc.value.field == "team_ids"


def test_a_member_cannot_give_a_contact_away_that_is_not_theirs(workspace, admin, member):
    team = make_team(workspace, "Sales", member)
    shared = make_contact(admin, visibility="teams", team_ids=[team.pk])
    with pytest.raises(Forbidden):
        services.contact_update(
            workspace=workspace,
            actor=member,
            contact_id=shared.pk,
            data={"owner_id": member.user_id},
        )


def test_making_a_contact_private_removes_its_team_shares(workspace, member):
    team = make_team(workspace, "Sales", member)
    contact = make_contact(member, visibility="teams", team_ids=[team.pk])
    services.contact_update(
        workspace=workspace, actor=member, contact_id=contact.pk, data={"visibility": "private"}
    )
    assert not contact.shares.exists()


def test_note_summary_counts_notes_per_type(workspace, member):
    contact = make_contact(member)
    call = selectors.category_choices(workspace=workspace, kind="note-types")[1]
    for body in ("one", "two"):
        services.note_create(
            workspace=workspace,
            actor=member,
            data={"contact_id": contact.pk, "body": body, "note_type_id": call.pk},
        )
    summary = selectors.note_summary(workspace=workspace, actor=member, contact_id=contact.pk)
    assert summary["total"] == 2
    assert [(c["note_type_id"], c["n"]) for c in summary["counts"]] == [(call.pk, 2)]
    assert summary["latest"].body == "two"


def test_label_usage_counts_contacts_and_companies_in_one_query_each(
    workspace, owner, django_assert_max_num_queries
):
    from rapport.core.services import category_usage, category_usage_counts

    vip, gold, *_ = selectors.category_choices(workspace=workspace, kind="labels")
    make_contact(owner, label_ids=[vip.pk, gold.pk])
    make_contact(owner, label_ids=[vip.pk])
    make_company(owner, label_ids=[vip.pk])
    with django_assert_max_num_queries(2):
        counts = category_usage_counts(workspace=workspace, kind="labels")
    assert counts == {vip.pk: 3, gold.pk: 1}
    assert counts[vip.pk] == category_usage(workspace=workspace, category=vip)
