"""The common-task library page: empty state, add, edit in place, delete, inline errors,
the module switch, other workspaces, and a fixed number of queries."""

import pytest
from django.urls import reverse

from rapport.core.models import Category
from rapport.projects.models import CommonTask
from rapport.projects.services import tasks as services
from tests.projects.factories import task_category

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, membership):
    client.force_login(membership.user)
    return client


def u(name, workspace, *args):
    return reverse(name, args=[workspace.slug, *args])


def make_common(actor, title="Kick-off", **data):
    return services.create_common_task(
        workspace=actor.workspace, actor=actor, data={"title": title, **data}
    )


def test_the_empty_library_explains_itself_and_offers_the_form(client, workspace, member):
    response = login(client, member).get(u("common_task_list", workspace))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="common-tasks-empty"' in body
    assert "No common tasks yet" in body
    assert 'id="common-task-add"' in body


def test_the_library_lists_templates_by_title_in_fixed_queries(
    client, workspace, member, django_assert_max_num_queries
):
    design = task_category(workspace)
    make_common(member, "Zoom call", category_id=design.pk, estimate_minutes=90)
    login(client, member)
    path = u("common_task_list", workspace)
    client.get(path)
    with django_assert_max_num_queries(20) as few:
        client.get(path)
    for i in range(20):
        make_common(member, f"Item {i:02}", category_id=design.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(path)
    body = response.content.decode()
    assert body.count("data-common-task=") == 21
    assert body.index("Item 00") < body.index("Zoom call")
    assert "1 h 30 min" in body


def test_a_member_adds_a_common_task_by_htmx(client, workspace, member):
    design = task_category(workspace)
    response = login(client, member).post(
        u("common_task_list", workspace),
        {"title": "Final invoice", "category": str(design.pk), "estimate_minutes": "15"},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="common-task-library"' in response.content.decode()
    item = CommonTask.objects.get()
    assert (item.title, item.category_id, item.estimate_minutes) == ("Final invoice", design.pk, 15)


def test_bad_input_is_refused_inline_with_422(client, workspace, member):
    label = Category.objects.filter(workspace=workspace, kind="labels").first()
    response = login(client, member).post(
        u("common_task_list", workspace),
        {"title": "", "category": str(label.pk), "estimate_minutes": "-3"},
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'role="alert"' in body
    assert not CommonTask.objects.exists()
    response = login(client, member).post(
        u("common_task_list", workspace), {"title": "", "estimate_minutes": ""}, **HTMX
    )
    assert response.status_code == 422
    assert "Give the common task a title." in response.content.decode()


def test_a_row_is_edited_in_place(client, workspace, member):
    item = make_common(member, "Kick-off")
    login(client, member)
    form = client.get(u("common_task_edit", workspace, item.pk), **HTMX)
    assert form.status_code == 200
    assert f'id="common-task-edit-{item.pk}"' in form.content.decode()
    response = client.post(
        u("common_task_edit", workspace, item.pk),
        {"title": "Kick-off meeting", "estimate_minutes": "45"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Kick-off meeting" in response.content.decode()
    assert f'id="common-task-edit-{item.pk}"' not in response.content.decode()
    item.refresh_from_db()
    assert (item.title, item.estimate_minutes) == ("Kick-off meeting", 45)
    cancel = client.get(u("common_task_row", workspace, item.pk), **HTMX)
    assert f'id="common-task-{item.pk}"' in cancel.content.decode()


def test_an_edit_with_errors_stays_a_form_with_422(client, workspace, member):
    item = make_common(member, "Kick-off")
    response = login(client, member).post(
        u("common_task_edit", workspace, item.pk), {"title": "", "estimate_minutes": ""}, **HTMX
    )
    assert response.status_code == 422
    assert f'id="common-task-edit-{item.pk}"' in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Kick-off"


def test_without_htmx_the_edit_is_a_page_and_saving_redirects(client, workspace, member):
    item = make_common(member, "Kick-off")
    login(client, member)
    page = client.get(u("common_task_edit", workspace, item.pk))
    assert page.status_code == 200
    assert "<h1>Common tasks</h1>" in page.content.decode()
    response = client.post(u("common_task_edit", workspace, item.pk), {"title": "Renamed"})
    assert response.status_code == 302
    assert response["Location"] == u("common_task_list", workspace)


def test_deleting_answers_the_library_without_the_row(client, workspace, member):
    keep, gone = make_common(member, "Keep"), make_common(member, "Gone")
    response = login(client, member).post(u("common_task_delete", workspace, gone.pk), **HTMX)
    assert response.status_code == 200
    assert "Gone" not in response.content.decode()
    assert list(CommonTask.objects.values_list("pk", flat=True)) == [keep.pk]


def test_another_workspaces_templates_are_404(client, workspace, member, outsider):
    item = make_common(member, "Ours")
    login(client, outsider)
    theirs = outsider.workspace
    assert client.get(u("common_task_edit", theirs, item.pk)).status_code == 404
    assert client.post(u("common_task_edit", theirs, item.pk), {"title": "X"}).status_code == 404
    assert client.post(u("common_task_delete", theirs, item.pk)).status_code == 404
    assert client.get(u("common_task_list", workspace)).status_code == 404
    item.refresh_from_db()
    assert item.title == "Ours"


def test_the_module_switched_off_hides_the_library(client, workspace, member):
    item = make_common(member, "Hidden")
    workspace.modules = {"projects": False}
    workspace.save(update_fields=["modules"])
    login(client, member)
    assert client.get(u("common_task_list", workspace)).status_code == 404
    assert client.post(u("common_task_list", workspace), {"title": "X"}).status_code == 404
    assert client.post(u("common_task_delete", workspace, item.pk)).status_code == 404
    assert CommonTask.objects.count() == 1
