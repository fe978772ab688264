"""Project writes: who may create, change and delete, what is validated, what the
timeline records, what search finds, the list filters by project, and merges that keep
the projects of merged contacts and companies."""

import pytest

from rapport.core.errors import Forbidden, Invalid, NotFound
from rapport.core.models import Activity, Workspace
from rapport.customers.services.merge import company_merge, contact_merge
from rapport.filters import parse_filters
from rapport.projects.models import Project, ProjectCompany, ProjectContact, ProjectMember
from rapport.projects.services.projects import create_project, delete_project, update_project
from rapport.search.selectors import search
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact
from tests.projects.factories import make_phase, make_project, make_task

pytestmark = pytest.mark.django_db


def create(actor, **data):
    data.setdefault("name", "Website relaunch")
    data.setdefault("emails_from", "projects@acme.test")
    return create_project(workspace=actor.workspace, actor=actor, data=data)


def switch_off(workspace, *actors):
    modules = {**Workspace.objects.get(pk=workspace.pk).modules, "projects": False}
    Workspace.objects.filter(pk=workspace.pk).update(modules=modules)
    for actor in actors:
        actor.workspace.refresh_from_db()


def member_ids(project):
    return set(ProjectMember.objects.filter(project=project).values_list("user_id", flat=True))


def field_names(exc) -> set[str]:
    return {e["field"] for e in exc.value.errors}


# --- create -----------------------------------------------------------------------------


def test_any_member_creates_a_project_and_becomes_its_member(member, admin):
    company = make_company(member, name="Hoekstra Bouw")
    contact = make_contact(member, first_name="Femke")
    project = create(
        member,
        description="New site",
        status="on_hold",
        company_id=company.pk,
        member_ids=[admin.user_id],
        contact_ids=[contact.pk],
        company_ids=[company.pk],
        track_time=True,
    )
    project.refresh_from_db()
    assert project.company == company
    assert project.status == "on_hold"
    assert project.track_time is True
    assert project.created_by == member.user
    assert member_ids(project) == {member.user_id, admin.user_id}
    assert list(
        ProjectContact.objects.filter(project=project).values_list("contact_id", flat=True)
    ) == [contact.pk]
    assert list(
        ProjectCompany.objects.filter(project=project).values_list("company_id", flat=True)
    ) == [company.pk]


def test_creating_records_on_the_project_and_company_timelines(member):
    company = make_company(member, name="Hoekstra Bouw")
    project = create(member, company_id=company.pk)
    on_project = Activity.objects.get(target_type="project", target_id=project.pk)
    assert on_project.verb == "project.created"
    assert on_project.actor == member.user
    on_company = Activity.objects.get(
        target_type="company", target_id=company.pk, verb="project.created"
    )
    assert on_company.summary == "Website relaunch: Website relaunch"


def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(member, outsider):
    foreign = make_company(outsider, name="Globex")
    with pytest.raises(Invalid) as exc:
        create_project(
            workspace=member.workspace,
            actor=member,
            data={
                "name": "  ",
                "emails_from": "not an address",
                "status": "paused",
                "company_id": foreign.pk,
                "member_ids": [outsider.user_id],
                "company_ids": [foreign.pk],
                "track_time": "yes",
            },
        )
    assert field_names(exc) == {
        "name",
        "emails_from",
        "status",
        "company_id",
        "member_ids",
        "company_ids",
        "track_time",
    }
    assert Project.objects.count() == 0
    assert Activity.objects.filter(target_type="project").count() == 0


@pytest.mark.parametrize(
    "address",
    [None, "", "   ", "bob", "bob@", "@acme.test", "a b@acme.test", 42, "x" * 250 + "@a.test"],
)
def test_an_invalid_sender_address_is_refused(member, address):
    with pytest.raises(Invalid) as exc:
        create(member, emails_from=address)
    assert field_names(exc) == {"emails_from"}
    assert Project.objects.count() == 0


def test_a_name_longer_than_200_characters_is_refused(member):
    with pytest.raises(Invalid) as exc:
        create(member, name="x" * 201)
    assert exc.value.errors == [{"field": "name", "message": "Use at most 200 characters."}]


def test_a_contact_the_actor_may_not_see_cannot_be_linked(member, owner):
    private = make_contact(owner, first_name="Secret")
    with pytest.raises(Invalid) as exc:
        create(member, contact_ids=[private.pk])
    assert exc.value.errors == [{"field": "contact_ids", "message": "Choose contacts you can see."}]


def test_creating_with_the_module_off_is_not_found(member, workspace):
    switch_off(workspace, member)
    with pytest.raises(NotFound):
        create(member)
    assert Project.objects.count() == 0


# --- update -----------------------------------------------------------------------------


def test_a_member_of_the_project_changes_it_and_the_change_is_recorded(member):
    project = create(member)
    update_project(
        workspace=member.workspace,
        actor=member,
        project_id=project.pk,
        data={"name": "Relaunch", "status": "done", "track_time": True},
    )
    project.refresh_from_db()
    assert (project.name, project.status, project.track_time, project.version) == (
        "Relaunch",
        "done",
        True,
        2,
    )
    change = Activity.objects.get(target_type="project", verb="project.updated")
    assert change.changes["status"] == ["active", "done"]
    assert change.changes["name"] == ["Website relaunch", "Relaunch"]


def test_someone_outside_the_project_cannot_change_it_and_nothing_changes(member, owner):
    project = make_project(owner, "Relaunch")
    with pytest.raises(Forbidden):
        update_project(
            workspace=member.workspace,
            actor=member,
            project_id=project.pk,
            data={"name": "Mine now", "member_ids": [member.user_id]},
        )
    project.refresh_from_db()
    assert project.name == "Relaunch"
    assert member_ids(project) == {owner.user_id}
    assert not Activity.objects.filter(verb="project.updated").exists()


def test_an_admin_outside_the_project_may_change_it(admin, member):
    project = make_project(member)
    update_project(
        workspace=admin.workspace, actor=admin, project_id=project.pk, data={"status": "done"}
    )
    project.refresh_from_db()
    assert project.status == "done"


def test_another_workspaces_project_is_not_found(outsider, member):
    project = make_project(outsider)
    with pytest.raises(NotFound):
        update_project(
            workspace=member.workspace, actor=member, project_id=project.pk, data={"name": "x"}
        )
    with pytest.raises(NotFound):
        delete_project(workspace=member.workspace, actor=member, project_id=project.pk)
    assert Project.objects.filter(pk=project.pk, name="Website relaunch").exists()


def test_changing_the_contacts_keeps_links_to_contacts_the_editor_cannot_see(owner, member):
    hidden = make_contact(owner, first_name="Hidden")
    mine = make_contact(member, first_name="Mine")
    project = create(owner, member_ids=[member.user_id], contact_ids=[hidden.pk])
    update_project(
        workspace=member.workspace,
        actor=member,
        project_id=project.pk,
        data={"contact_ids": [mine.pk]},
    )
    linked = set(
        ProjectContact.objects.filter(project=project).values_list("contact_id", flat=True)
    )
    assert linked == {hidden.pk, mine.pk}


def test_an_update_without_changes_records_nothing(member):
    project = create(member)
    update_project(
        workspace=member.workspace,
        actor=member,
        project_id=project.pk,
        data={"name": "Website relaunch", "member_ids": [member.user_id]},
    )
    project.refresh_from_db()
    assert project.version == 1
    assert not Activity.objects.filter(verb="project.updated").exists()


def test_an_invalid_update_leaves_the_project_as_it_was(member):
    project = create(member)
    with pytest.raises(Invalid):
        update_project(
            workspace=member.workspace,
            actor=member,
            project_id=project.pk,
            data={"name": "Renamed", "emails_from": "nope"},
        )
    project.refresh_from_db()
    assert (project.name, project.emails_from) == ("Website relaunch", "projects@acme.test")


# --- delete -----------------------------------------------------------------------------


def test_a_member_deletes_the_project_with_its_phases_and_tasks(member):
    project = create(member)
    make_task(make_phase(project))
    delete_project(workspace=member.workspace, actor=member, project_id=project.pk)
    assert not Project.objects.filter(pk=project.pk).exists()
    assert Activity.objects.filter(verb="project.deleted", target_id=project.pk).exists()
    assert search(workspace=member.workspace, actor=member, query="relaunch") == []


def test_someone_outside_the_project_cannot_delete_it(member, owner):
    project = make_project(owner)
    with pytest.raises(Forbidden):
        delete_project(workspace=member.workspace, actor=member, project_id=project.pk)
    assert Project.objects.filter(pk=project.pk).exists()


# --- search -----------------------------------------------------------------------------


def test_search_finds_a_project_by_name_with_its_company(member, owner):
    company = make_company(member, name="Hoekstra Bouw")
    project = create(member, name="Warehouse portal", company_id=company.pk)
    hits = [h for h in search(workspace=owner.workspace, actor=owner, query="warehouse")]
    assert [(h.type, h.id, h.title) for h in hits] == [("project", project.pk, "Warehouse portal")]
    assert hits[0].subtitle == "Hoekstra Bouw · Active"
    assert hits[0].url == f"/w/{owner.workspace.slug}/projects/{project.pk}/"


def test_search_finds_the_new_name_after_a_rename(member):
    project = create(member, name="Warehouse portal")
    update_project(
        workspace=member.workspace, actor=member, project_id=project.pk, data={"name": "Dock app"}
    )
    assert [h.id for h in search(workspace=member.workspace, actor=member, query="dock")] == [
        project.pk
    ]
    assert search(workspace=member.workspace, actor=member, query="warehouse") == []


def test_search_hides_projects_while_the_module_is_off(member, workspace):
    create(member, name="Warehouse portal")
    switch_off(workspace, member)
    assert search(workspace=member.workspace, actor=member, query="warehouse") == []


# --- the contact and company lists filter by project ------------------------------------


def test_the_contact_list_filters_by_linked_project(member):
    linked = make_contact(member, first_name="Linked")
    make_contact(member, first_name="Other")
    project = create(member, contact_ids=[linked.pk])
    parsed = parse_filters(
        workspace=member.workspace,
        actor=member,
        entity="contact",
        params={"project": str(project.pk)},
    )
    from rapport.customers.selectors import contact_visible

    found = parsed.apply(contact_visible(workspace=member.workspace, actor=member))
    assert list(found.values_list("pk", flat=True)) == [linked.pk]


def test_the_company_list_filters_by_client_and_linked_companies(member):
    client = make_company(member, name="Client")
    partner = make_company(member, name="Partner")
    make_company(member, name="Unrelated")
    project = create(member, company_id=client.pk, company_ids=[partner.pk])
    parsed = parse_filters(
        workspace=member.workspace,
        actor=member,
        entity="company",
        params={"project": str(project.pk)},
    )
    from rapport.customers.selectors import company_visible

    found = parsed.apply(company_visible(workspace=member.workspace, actor=member))
    assert set(found.values_list("name", flat=True)) == {"Client", "Partner"}


@pytest.mark.parametrize("value", ["abc", "0", "1,x"])
def test_a_bad_project_filter_is_a_clear_error(member, value):
    with pytest.raises(Invalid) as exc:
        parse_filters(
            workspace=member.workspace, actor=member, entity="contact", params={"project": value}
        )
    assert exc.value.errors == [{"field": "project", "message": "Give one or more project ids."}]


def test_the_project_filter_is_unknown_while_the_module_is_off(member, workspace):
    switch_off(workspace, member)
    with pytest.raises(Invalid) as exc:
        parse_filters(
            workspace=member.workspace, actor=member, entity="company", params={"project": "1"}
        )
    assert exc.value.errors == [{"field": "project", "message": "project is not a filter here."}]


# --- merges keep projects ---------------------------------------------------------------


def test_merging_contacts_moves_their_project_links_without_duplicates(owner):
    keep = make_contact(owner, first_name="Ada", email="ada@x.test")
    dup = make_contact(owner, first_name="Ada", email="ada.l@x.test")
    both = create(owner, name="Both", contact_ids=[keep.pk, dup.pk])
    only_dup = create(owner, name="Dup only", contact_ids=[dup.pk])
    contact_merge(workspace=owner.workspace, actor=owner, contact_id=keep.pk, other_ids=[dup.pk])
    links = sorted(ProjectContact.objects.values_list("project_id", "contact_id"))
    assert links == sorted([(both.pk, keep.pk), (only_dup.pk, keep.pk)])


def test_merging_companies_moves_the_projects_they_are_for_and_their_links(owner):
    keep = make_company(owner, name="Hoekstra Bouw")
    dup = make_company(owner, name="Hoekstra Bouw BV")
    for_dup = create(owner, name="Dock app", company_id=dup.pk, company_ids=[dup.pk, keep.pk])
    linked = create(owner, name="Second", company_ids=[dup.pk])
    company_merge(workspace=owner.workspace, actor=owner, company_id=keep.pk, other_ids=[dup.pk])
    for_dup.refresh_from_db()
    assert for_dup.company_id == keep.pk
    links = sorted(ProjectCompany.objects.values_list("project_id", "company_id"))
    assert links == sorted([(for_dup.pk, keep.pk), (linked.pk, keep.pk)])
    hits = search(workspace=owner.workspace, actor=owner, query="dock")
    assert hits[0].subtitle == "Hoekstra Bouw · Active"


def test_a_second_member_of_the_workspace_can_start_their_own_project(workspace, member):
    other = make_member(workspace, "zoe@acme.test")
    project = create(other, name="Zoe's")
    assert member_ids(project) == {other.user_id}


# --- demo -------------------------------------------------------------------------------


def test_the_demo_workspace_gets_projects_with_phases_and_tasks():
    from rapport.core.demo import DEMO_SLUG, load_demo
    from rapport.projects.models import Phase, Task, TaskUpdate

    load_demo()
    projects = Project.objects.filter(workspace__slug=DEMO_SLUG)
    assert projects.count() == 3
    assert Phase.objects.filter(project__in=projects).count() == 5
    assert Task.objects.filter(project__in=projects).count() == 10
    for project in projects.filter(track_time=True):
        logged = sum(
            TaskUpdate.objects.filter(task__project=project).values_list("minutes", flat=True)
        )
        assert project.minutes_total == logged > 0
    hoekstra = projects.get(name="Site office fit-out")
    assert hoekstra.company.name == "Hoekstra Bouw"
    assert ProjectContact.objects.filter(project=hoekstra).count() == 2
    load_demo()  # a second load changes nothing
    assert projects.count() == 3
