"""Who is in a list: worked out now, for the person asking, with test and inactive
contacts left out unless the filter asks for them."""

import pytest

from rapport.core import services as core_services
from rapport.core.errors import Invalid
from rapport.customers import services as customer_services
from rapport.customfields import services as field_services
from rapport.lists.selectors import read_filter, user_list_members
from tests.customers.factories import make_contact, make_team
from tests.lists.factories import make_industry_field, make_list

pytestmark = pytest.mark.django_db


def members(actor, user_list) -> set[int]:
    read = read_filter(workspace=actor.workspace, actor=actor, params=user_list.filter)
    qs = user_list_members(workspace=actor.workspace, actor=actor, read=read)
    return set(qs.values_list("pk", flat=True))


def test_a_contact_edited_to_match_joins_and_edited_back_leaves(workspace, owner):
    clients = make_list(owner, role="client")
    ada = make_contact(owner, first_name="Ada", role="lead")
    assert members(owner, clients) == set()

    customer_services.contact_update(
        workspace=workspace, actor=owner, contact_id=ada.pk, data={"role": "client"}
    )
    assert members(owner, clients) == {ada.pk}

    customer_services.contact_update(
        workspace=workspace, actor=owner, contact_id=ada.pk, data={"role": "prospect"}
    )
    assert members(owner, clients) == set()


def test_a_contact_labelled_later_joins_a_label_list(workspace, owner):
    vip = core_services.category_create(workspace=workspace, actor=owner, kind="labels", name="Hot")
    by_label = make_list(owner, label=str(vip.pk))
    ada = make_contact(owner)
    assert members(owner, by_label) == set()
    customer_services.contact_update(
        workspace=workspace, actor=owner, contact_id=ada.pk, data={"label_ids": [vip.pk]}
    )
    assert members(owner, by_label) == {ada.pk}


def test_a_custom_field_value_moves_a_contact_in_and_out(workspace, owner):
    make_industry_field(workspace)
    retail = make_list(owner, **{"custom.industry": "retail"})
    ada = make_contact(owner, custom={"industry": "tech"})
    assert members(owner, retail) == set()
    customer_services.contact_update(
        workspace=workspace, actor=owner, contact_id=ada.pk, data={"custom": {"industry": "retail"}}
    )
    assert members(owner, retail) == {ada.pk}


def test_each_viewer_gets_only_the_contacts_they_may_see(workspace, owner, member, admin):
    clients = make_list(owner, role="client")
    mine = make_contact(member, role="client")
    private_of_admin = make_contact(admin, role="client")
    unclaimed = make_contact(owner, role="client", owner_id=None)
    team = make_team(workspace, "Sales", member)
    shared = make_contact(admin, role="client", visibility="teams", team_ids=[team.pk])

    assert members(member, clients) == {mine.pk, unclaimed.pk, shared.pk}
    assert members(owner, clients) == {mine.pk, private_of_admin.pk, unclaimed.pk, shared.pk}


def test_test_and_inactive_contacts_are_left_out_by_default(workspace, owner):
    everyone = make_list(owner, "Everyone")
    real = make_contact(owner)
    make_contact(owner, is_test=True)
    make_contact(owner, is_active=False)
    assert members(owner, everyone) == {real.pk}


def test_the_filter_can_ask_for_test_and_inactive_contacts(workspace, owner):
    real = make_contact(owner)
    test = make_contact(owner, is_test=True)
    inactive = make_contact(owner, is_active=False)
    inactive_test = make_contact(owner, is_active=False, is_test=True)

    assert members(owner, make_list(owner, "Tests", is_test="true")) == {test.pk}
    assert members(owner, make_list(owner, "Inactive", is_active="false")) == {inactive.pk}
    assert members(owner, make_list(owner, "All", is_active="any", is_test="any")) == {
        real.pk,
        test.pk,
        inactive.pk,
        inactive_test.pk,
    }


def test_owner_me_means_the_person_looking(workspace, owner, member):
    mine = make_list(owner, "Mine", owner="me")
    ours = make_contact(owner)
    theirs = make_contact(member)
    assert members(owner, mine) == {ours.pk}
    assert members(member, mine) == {theirs.pk}


def test_a_deleted_custom_field_makes_the_filter_an_error_not_an_empty_list(workspace, owner):
    field = make_industry_field(workspace)
    retail = make_list(owner, **{"custom.industry": "retail"})
    make_contact(owner, custom={"industry": "retail"})
    field_services.field_delete(workspace=workspace, actor=owner, field_id=field.pk, confirm=True)

    read = read_filter(workspace=workspace, actor=owner, params=retail.filter)
    assert read.usable is False
    assert read.errors == [
        {
            "field": "custom.industry",
            "message": "The filter refers to the custom field “industry”, which no longer exists.",
        }
    ]
    with pytest.raises(Invalid) as exc:
        user_list_members(workspace=workspace, actor=owner, read=read)
    assert exc.value.errors == read.errors


def test_a_deleted_label_or_team_is_named_in_the_errors(workspace, owner):
    vip = core_services.category_create(workspace=workspace, actor=owner, kind="labels", name="Hot")
    team = make_team(workspace, "Sales")
    both = make_list(owner, label=str(vip.pk), team=str(team.pk))
    core_services.category_delete(
        workspace=workspace, actor=owner, kind="labels", category_id=vip.pk
    )
    core_services.team_delete(workspace=workspace, actor=owner, team_id=team.pk)

    read = read_filter(workspace=workspace, actor=owner, params=both.filter)
    assert [e["field"] for e in read.errors] == ["label", "team"]
    assert read.errors[0]["message"] == (
        f"The filter refers to label #{vip.pk}, which no longer exists."
    )


def test_the_summary_names_labels_teams_and_options_not_ids(workspace, owner, member):
    make_industry_field(workspace)
    vip = core_services.category_create(workspace=workspace, actor=owner, kind="labels", name="Hot")
    press = core_services.category_create(
        workspace=workspace, actor=owner, kind="labels", name="Press"
    )
    team = make_team(workspace, "Sales")
    params = {
        "label": f"{vip.pk},{press.pk}",
        "team": str(team.pk),
        "owner": str(member.user_id),
        "role": "client,prospect",
        "custom.industry": "retail",
    }
    read = read_filter(workspace=workspace, actor=owner, params=params)
    words = {t.key: t.value for t in read.terms if not t.default}
    assert words == {
        "custom.industry": "Retail",
        "label": "Hot or Press",
        "owner": "Member",
        "role": "Client or Prospect",
        "team": "Sales",
    }
    defaults = {t.key: t.value for t in read.terms if t.default}
    assert defaults == {"is_active": "Active only", "is_test": "Left out"}
