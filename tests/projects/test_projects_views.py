"""The project pages: list with filters and paging, the form, the project's page, deletion,
who sees edit controls, module off and other workspaces, the company page's projects and
the contact list's project filter."""

import html as html_lib
import re

import pytest

from rapport.core.models import Workspace
from rapport.projects.models import Project, ProjectContact, ProjectMember
from rapport.projects.services.projects import update_project
from tests.customers.factories import make_company, make_contact
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def url(workspace, rest=""):
    return f"/w/{workspace.slug}/{rest}"


def text(response) -> str:
    plain = html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", plain).strip()


def login(client, membership):
    client.force_login(membership.user)
    return client


def switch_off(workspace):
    ws = Workspace.objects.get(pk=workspace.pk)
    Workspace.objects.filter(pk=ws.pk).update(modules={**ws.modules, "projects": False})


FORM = {
    "name": "Website relaunch",
    "description": "A new site",
    "status": "active",
    "emails_from": "projects@acme.test",
}


# --- list -------------------------------------------------------------------------------


def test_the_empty_list_offers_to_start_a_project(client, member, workspace):
    response = login(client, member).get(url(workspace, "projects/"))
    assert response.status_code == 200
    assert "No projects yet" in text(response)
    assert f'href="/w/{workspace.slug}/projects/new/"' in response.content.decode()


def test_the_list_shows_projects_and_filters_them(client, member, owner, workspace):
    company = make_company(member, name="Hoekstra Bouw")
    make_project(member, "Alpha site", company=company, track_time=True, minutes_total=125)
    make_project(owner, "Beta app", status="done")
    login(client, member)
    page = text(client.get(url(workspace, "projects/")))
    assert "Alpha site" in page
    assert "Beta app" in page
    assert "2 h 5 min" in page  # the time column appears when a project tracks time
    mine = text(client.get(url(workspace, "projects/?member=me")))
    assert "Alpha site" in mine
    assert "Beta app" not in mine
    done = text(client.get(url(workspace, "projects/?status=done")))
    assert "Beta app" in done
    assert "Alpha site" not in done
    searched = text(client.get(url(workspace, "projects/?q=beta")))
    assert "Beta app" in searched
    assert "Alpha site" not in searched


def test_a_bad_filter_shows_a_message_not_an_error_page(client, member, workspace):
    response = login(client, member).get(url(workspace, "projects/?status=paused&cursor=zz"))
    assert response.status_code == 200
    assert "Use active, on_hold or done." in text(response)


def test_the_list_pages_with_a_next_link(client, member, workspace):
    for i in range(55):
        make_project(member, f"Project {i:02d}")
    login(client, member)
    first = client.get(url(workspace, "projects/"))
    assert "Project 49" in text(first)
    assert "Project 50" not in text(first)
    next_href = re.search(r'href="\?([^"]*cursor=[^"]+)" rel="next"', first.content.decode())
    second = client.get(url(workspace, "projects/?" + html_lib.unescape(next_href[1])))
    assert "Project 50" in text(second)
    assert "Project 49" not in text(second)


def test_the_list_page_costs_the_same_for_few_and_many_rows(
    client, member, owner, workspace, django_assert_max_num_queries
):
    company = make_company(member)
    for i in range(3):
        make_project(member, f"P{i}", members=[owner], company=company)
    login(client, member)
    client.get(url(workspace, "projects/"))  # warm the session
    with django_assert_max_num_queries(20) as few:
        assert client.get(url(workspace, "projects/")).status_code == 200
    for i in range(3, 50):
        make_project(member, f"P{i}", members=[owner], company=company)
    with django_assert_max_num_queries(20) as many:
        assert client.get(url(workspace, "projects/")).status_code == 200
    assert len(many) == len(few)


# --- form -------------------------------------------------------------------------------


def test_the_form_creates_a_project_and_opens_its_page(client, member, admin, workspace):
    contact = make_contact(member, first_name="Femke", last_name="Hoekstra")
    company = make_company(member, name="Hoekstra Bouw")
    login(client, member)
    form = client.get(url(workspace, "projects/new/"))
    assert "Replies sent to this address itself may bounce" in text(form)
    response = client.post(
        url(workspace, "projects/new/"),
        {
            **FORM,
            "company_id": company.pk,
            "member_ids": [member.user_id, admin.user_id],
            "contact_ids": [contact.pk],
            "track_time": "on",
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(workspace, f"projects/{project.pk}/")
    assert project.company == company
    assert project.track_time is True
    assert set(ProjectMember.objects.values_list("user_id", flat=True)) == {
        member.user_id,
        admin.user_id,
    }
    page = text(client.get(response["Location"]))
    assert "Website relaunch" in page
    assert "Femke Hoekstra" in page
    assert "created this project" in page


def test_an_invalid_sender_address_shows_beside_its_field(client, member, workspace):
    login(client, member)
    response = client.post(
        url(workspace, "projects/new/"), {**FORM, "emails_from": "nope", "name": ""}
    )
    assert response.status_code == 422
    page = text(response)
    assert "Enter a valid email address." in page
    assert "Give the project a name." in page
    assert Project.objects.count() == 0


def test_new_project_from_a_company_page_has_the_company_chosen(client, member, workspace):
    company = make_company(member, name="Hoekstra Bouw")
    response = login(client, member).get(url(workspace, f"projects/new/?company={company.pk}"))
    assert (
        f'<option value="{company.pk}" selected>Hoekstra Bouw</option>' in response.content.decode()
    )


def test_a_member_of_the_project_edits_it(client, member, workspace):
    project = make_project(member)
    login(client, member)
    form = client.get(url(workspace, f"projects/{project.pk}/edit/"))
    assert 'value="Website relaunch"' in form.content.decode()
    response = client.post(
        url(workspace, f"projects/{project.pk}/edit/"),
        {**FORM, "name": "Relaunch", "status": "done", "member_ids": [member.user_id]},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.status) == ("Relaunch", "done")
    page = text(client.get(url(workspace, f"projects/{project.pk}/")))
    assert "edited this project" in page
    assert "Status: Active → Done" in page


def test_someone_outside_the_project_sees_no_edit_controls_and_is_refused(
    client, member, owner, workspace
):
    project = make_project(owner, "Owner's project")
    login(client, member)
    page = client.get(url(workspace, f"projects/{project.pk}/")).content.decode()
    assert 'id="project-edit"' not in page
    assert 'id="project-delete"' not in page
    edit = client.get(url(workspace, f"projects/{project.pk}/edit/"))
    assert edit.status_code == 403
    assert "Only the project's members and admins can change this project." in text(edit)
    posted = client.post(url(workspace, f"projects/{project.pk}/edit/"), {**FORM, "name": "Mine"})
    assert posted.status_code == 403
    deleted = client.post(url(workspace, f"projects/{project.pk}/delete/"))
    assert deleted.status_code == 403
    project.refresh_from_db()
    assert project.name == "Owner's project"


def test_a_member_deletes_the_project(client, member, workspace):
    project = make_project(member)
    login(client, member)
    assert "cannot be undone" in text(client.get(url(workspace, f"projects/{project.pk}/delete/")))
    response = client.post(url(workspace, f"projects/{project.pk}/delete/"))
    assert response.status_code == 302
    assert response["Location"] == url(workspace, "projects/")
    assert not Project.objects.filter(pk=project.pk).exists()


# --- the project's page -------------------------------------------------------------------


def test_the_page_shows_only_contacts_the_reader_may_see(client, member, owner, workspace):
    hidden = make_contact(owner, first_name="Hidden", last_name="Person")
    shown = make_contact(member, first_name="Shown", last_name="Person")
    project = make_project(owner)
    for contact in (hidden, shown):
        ProjectContact.objects.create(workspace=workspace, project=project, contact=contact)
    page = text(login(client, member).get(url(workspace, f"projects/{project.pk}/")))
    assert "Shown Person" in page
    assert "Hidden Person" not in page


def test_the_timeline_pages_older_entries(client, member, workspace):
    project = make_project(member)
    for i in range(25):
        update_project(
            workspace=member.workspace, actor=member, project_id=project.pk, data={"name": f"N{i}"}
        )
    login(client, member)
    page = client.get(url(workspace, f"projects/{project.pk}/")).content.decode()
    more = re.search(r'hx-get="([^"]+cursor=[^"]+)"', page)
    older = client.get(html_lib.unescape(more[1]), HTTP_HX_REQUEST="true")
    assert older.status_code == 200
    assert text(older).count("edited this project") == 5


# --- module off and other workspaces --------------------------------------------------------


def test_every_page_is_404_while_the_module_is_off(client, member, workspace):
    project = make_project(member)
    switch_off(workspace)
    login(client, member)
    for rest in (
        "projects/",
        "projects/new/",
        *(f"projects/{project.pk}/{tail}" for tail in ("", "edit/", "delete/", "timeline/")),
    ):
        assert client.get(url(workspace, rest)).status_code == 404, rest
    assert client.post(url(workspace, f"projects/{project.pk}/delete/")).status_code == 404
    assert client.post(url(workspace, "projects/new/"), FORM).status_code == 404
    assert Project.objects.count() == 1


def test_another_workspaces_project_is_404(client, outsider, member, other_workspace):
    project = make_project(member)
    login(client, outsider)
    for tail in ("", "edit/", "delete/", "timeline/"):
        response = client.get(url(other_workspace, f"projects/{project.pk}/{tail}"))
        assert response.status_code == 404
    assert client.post(url(other_workspace, f"projects/{project.pk}/delete/")).status_code == 404
    assert Project.objects.filter(pk=project.pk).exists()


# --- the company page and the contact list ---------------------------------------------------


def test_the_company_page_lists_its_projects_while_the_module_is_on(client, member, workspace):
    company = make_company(member, name="Hoekstra Bouw")
    make_project(member, "Dock app", company=company)
    login(client, member)
    page = client.get(url(workspace, f"companies/{company.pk}/"))
    assert 'id="company-projects"' in page.content.decode()
    assert "Dock app" in text(page)
    switch_off(workspace)
    page = client.get(url(workspace, f"companies/{company.pk}/"))
    assert "Dock app" not in text(page)


def test_the_contact_list_filters_by_project(client, member, workspace):
    linked = make_contact(member, first_name="Linked", last_name="Person")
    make_contact(member, first_name="Other", last_name="Person")
    project = make_project(member, "Dock app")
    ProjectContact.objects.create(workspace=workspace, project=project, contact=linked)
    login(client, member)
    page = client.get(url(workspace, f"contacts/?project={project.pk}"))
    assert "Linked Person" in text(page)
    assert "Other Person" not in text(page)
    assert f'<option value="{project.pk}" selected>Dock app</option>' in page.content.decode()


def test_the_project_page_costs_the_same_with_more_members_and_links(
    client, member, owner, workspace, django_assert_max_num_queries
):
    from tests.core.factories import make_member

    project = make_project(member)
    login(client, member)
    client.get(url(workspace, f"projects/{project.pk}/"))  # warm the session

    def add(n):
        for i in range(n):
            extra = make_member(workspace, f"p{n}-{i}@acme.test")
            ProjectMember.objects.create(workspace=workspace, project=project, user=extra.user)
            contact = make_contact(member, first_name=f"C{n}-{i}")
            ProjectContact.objects.create(workspace=workspace, project=project, contact=contact)
            update_project(
                workspace=member.workspace,
                actor=member,
                project_id=project.pk,
                data={"name": f"Name {n}-{i}"},
            )

    add(2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url(workspace, f"projects/{project.pk}/")).status_code == 200
    add(12)
    with django_assert_max_num_queries(30) as many:
        assert client.get(url(workspace, f"projects/{project.pk}/")).status_code == 200
    assert len(many) == len(few)
