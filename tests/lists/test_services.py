"""Writing user lists: names, filters checked before anything is saved, who may change
a list, and the activity each write leaves."""

import pytest

from rapport.core.errors import Forbidden, Invalid, NotFound
from rapport.core.models import Activity
from rapport.lists import services
from rapport.lists.models import UserList
from tests.lists.factories import make_list

pytestmark = pytest.mark.django_db


def create(actor, **data):
    return services.user_list_create(workspace=actor.workspace, actor=actor, data=data)


def test_a_member_creates_a_list_and_the_filter_is_kept_as_strings(workspace, member):
    from rapport.core.models import Category

    label = Category.objects.filter(workspace=workspace, kind="labels").first()
    user_list = create(
        member, name=" Clients ", filter={"role": "client", "label": label.pk, "q": ""}
    )
    user_list.refresh_from_db()
    assert user_list.name == "Clients"
    assert user_list.filter == {"role": "client", "label": str(label.pk)}
    assert user_list.created_by_id == member.user_id


def test_names_are_unique_per_workspace_whatever_the_case(workspace, owner, member, outsider):
    make_list(owner, "Łódź clients")
    with pytest.raises(Invalid) as exc:
        create(member, name="ŁÓDŹ CLIENTS", filter={})
    assert exc.value.errors == [
        {"field": "name", "message": "A list with this name already exists."}
    ]
    assert make_list(outsider, "Łódź clients").name == "Łódź clients"


def test_a_bad_filter_is_refused_with_its_errors_and_nothing_is_saved(workspace, owner):
    with pytest.raises(Invalid) as exc:
        create(owner, name="Bad", filter={"role": "boss", "colour": "red"})
    assert exc.value.status == 422
    assert {e["field"] for e in exc.value.errors} == {"filter.role", "filter.colour"}
    assert not UserList.objects.exists()
    assert not Activity.objects.filter(verb__startswith="list.").exists()


def test_a_filter_naming_a_label_that_does_not_exist_is_refused(workspace, owner):
    with pytest.raises(Invalid) as exc:
        create(owner, name="Ghosts", filter={"label": "999999"})
    assert exc.value.errors == [
        {
            "field": "filter.label",
            "message": "The filter refers to label #999999, which no longer exists.",
        }
    ]


def test_a_label_of_another_workspace_counts_as_missing(workspace, owner, outsider):
    from rapport.core.models import Category

    theirs = Category.objects.filter(workspace=outsider.workspace, kind="labels").first()
    with pytest.raises(Invalid):
        create(owner, name="Theirs", filter={"label": str(theirs.pk)})


def test_a_name_is_required_and_control_characters_are_refused(workspace, owner):
    with pytest.raises(Invalid) as exc:
        create(owner, filter={})
    assert exc.value.errors == [{"field": "name", "message": "Give the list a name."}]
    with pytest.raises(Invalid):
        create(owner, name="Bell\x07", filter={})


def test_only_the_creator_or_an_admin_changes_a_list(workspace, owner, admin, member):
    from tests.core.factories import make_member

    colleague = make_member(workspace, "colleague@acme.test")
    user_list = make_list(member, "Mine")
    with pytest.raises(Forbidden):
        services.user_list_update(
            workspace=workspace, actor=colleague, list_id=user_list.pk, data={"name": "Hijacked"}
        )
    with pytest.raises(Forbidden):
        services.user_list_delete(workspace=workspace, actor=colleague, list_id=user_list.pk)
    services.user_list_update(
        workspace=workspace, actor=member, list_id=user_list.pk, data={"name": "Still mine"}
    )
    services.user_list_update(
        workspace=workspace, actor=admin, list_id=user_list.pk, data={"description": "Tidied"}
    )
    user_list.refresh_from_db()
    assert (user_list.name, user_list.description) == ("Still mine", "Tidied")
    services.user_list_delete(workspace=workspace, actor=admin, list_id=user_list.pk)
    assert not UserList.objects.filter(pk=user_list.pk).exists()


def test_another_workspace_cannot_reach_a_list(workspace, owner, outsider):
    user_list = make_list(owner)
    with pytest.raises(NotFound):
        services.user_list_update(
            workspace=outsider.workspace, actor=outsider, list_id=user_list.pk, data={"name": "X"}
        )
    with pytest.raises(NotFound):
        services.user_list_delete(
            workspace=outsider.workspace, actor=outsider, list_id=user_list.pk
        )


def test_every_write_is_recorded_with_what_changed(workspace, owner):
    user_list = make_list(owner, "Clients", role="client")
    services.user_list_update(
        workspace=workspace,
        actor=owner,
        list_id=user_list.pk,
        data={"name": "Leads", "filter": {"role": "lead"}},
    )
    services.user_list_delete(workspace=workspace, actor=owner, list_id=user_list.pk)
    rows = list(
        Activity.objects.filter(target_type="userlist", target_id=user_list.pk).order_by("id")
    )
    assert [r.verb for r in rows] == ["list.created", "list.updated", "list.deleted"]
    assert rows[1].changes == {
        "name": ["Clients", "Leads"],
        "filter": [{"role": "client"}, {"role": "lead"}],
    }
    assert all(r.actor_id == owner.user_id for r in rows)


def test_an_update_that_changes_nothing_records_nothing(workspace, owner):
    user_list = make_list(owner, "Clients", role="client")
    services.user_list_update(
        workspace=workspace, actor=owner, list_id=user_list.pk, data={"name": "Clients"}
    )
    assert not Activity.objects.filter(verb="list.updated").exists()


def test_renaming_to_a_taken_name_is_refused(workspace, owner):
    make_list(owner, "Clients")
    other = make_list(owner, "Leads")
    with pytest.raises(Invalid):
        services.user_list_update(
            workspace=workspace, actor=owner, list_id=other.pk, data={"name": "clients"}
        )
    # Its own name in another case is fine.
    services.user_list_update(
        workspace=workspace, actor=owner, list_id=other.pk, data={"name": "LEADS"}
    )


def test_paging_keys_and_empty_values_are_not_part_of_a_filter(workspace, owner):
    user_list = make_list(owner, "Clients", role="client", cursor="abc", limit="5", q="")
    assert user_list.filter == {"role": "client"}
