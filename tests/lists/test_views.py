"""The user list pages: index, builder, detail with members, download, delete, as the
owner, a member, an outsider, and with the module switched off."""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core.models import Category
from rapport.customfields import services as field_services
from rapport.lists.models import UserList
from tests.core.factories import make_member
from tests.customers.factories import make_contact
from tests.lists.factories import make_industry_field, make_list

pytestmark = pytest.mark.django_db


def url(workspace, rest=""):
    return f"/w/{workspace.slug}/lists/{rest}"


def login(client, membership):
    client.force_login(membership.user)
    return client


def vip(workspace) -> Category:
    return Category.objects.get(workspace=workspace, kind="labels", name="VIP")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- index -------------------------------------------------------------------------------


def test_the_empty_index_explains_lists_and_offers_a_new_one(client, member):
    response = login(client, member).get(url(member.workspace))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No user lists yet" in page
    assert "saved filter over your contacts" in page
    assert f'href="{url(member.workspace, "new/")}"' in page
    # The nav points here and marks it current.
    assert f'href="{url(member.workspace)}" data-module="lists" aria-current="page"' in page


def test_the_index_shows_every_list_of_the_workspace_with_a_lazy_count(client, owner, member):
    make_list(owner, "Owner's", role="client")
    mine = make_list(member, "Mine")
    response = login(client, member).get(url(member.workspace))
    page = response.content.decode()
    assert [r.name for r in response.context["rows"]] == ["Mine", "Owner's"]
    assert f'hx-get="{url(member.workspace, f"{mine.pk}/count/")}"' in page


def test_the_count_is_what_the_viewer_may_see(client, owner, member):
    clients = make_list(owner, "Clients", role="client")
    make_contact(member, role="client")
    make_contact(owner, role="client")  # the owner's private contact
    login(client, member)
    assert (
        ">1 contact<" in client.get(url(member.workspace, f"{clients.pk}/count/")).content.decode()
    )
    login(client, owner)
    assert (
        ">2 contacts<" in client.get(url(owner.workspace, f"{clients.pk}/count/")).content.decode()
    )


# --- builder -----------------------------------------------------------------------------


def test_the_builder_previews_the_filter_in_words(client, owner, workspace):
    label = vip(workspace)
    response = login(client, owner).get(url(workspace, f"new/?role=client&label={label.pk}"))
    assert response.status_code == 200
    terms = {t.key: t.value for t in response.context["terms"]}
    assert terms == {"label": "VIP", "role": "Client"}
    page = response.content.decode()
    assert 'id="filters"' in page  # the contacts filter bar
    assert f'action="{url(workspace, "new/")}"' in page
    assert "preview/count/?" in page


def test_the_include_inactive_box_asks_for_active_and_inactive(client, owner, workspace):
    login(client, owner)
    response = client.get(url(workspace, "new/?role=client&is_active=&include_inactive=1"))
    assert response.context["state"].filters == {"role": "client", "is_active": "any"}
    page = response.content.decode()
    assert 'name="include_inactive" value="1" data-autosubmit checked' in page
    assert response.context["form"].initial["query"] == "role=client&is_active=any"
    # The status select's own choice wins, and the box is not offered beside it.
    response = client.get(url(workspace, "new/?is_active=false&include_inactive=1"))
    assert response.context["state"].filters == {"is_active": "false"}
    assert 'name="include_inactive"' not in response.content.decode()


def test_creating_a_list_from_the_filters(client, owner, workspace):
    label = vip(workspace)
    query = urlencode({"role": "client", "label": label.pk, "columns": "name,email"})
    response = login(client, owner).post(
        url(workspace, "new/"), {"name": "VIP clients", "description": "Newsletter", "query": query}
    )
    user_list = UserList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(workspace, f"{user_list.pk}/")
    assert user_list.filter == {"role": "client", "label": str(label.pk)}
    assert (user_list.description, user_list.created_by_id) == ("Newsletter", owner.user_id)


def test_a_bad_filter_or_a_taken_name_re_renders_with_errors_and_saves_nothing(
    client, owner, workspace
):
    make_list(owner, "Clients")
    login(client, owner)
    response = client.post(url(workspace, "new/"), {"name": "Bad", "query": "role=boss"})
    assert response.status_code == 422
    assert "Use lead, prospect or client." in response.content.decode()
    response = client.post(url(workspace, "new/"), {"name": "clients", "query": "role=lead"})
    assert response.status_code == 422
    assert response.context["form"].errors["name"] == ["A list with this name already exists."]
    assert UserList.objects.count() == 1


def test_editing_starts_from_the_stored_filter_and_applying_keeps_the_list(
    client, owner, workspace
):
    user_list = make_list(owner, "Clients", role="client")
    login(client, owner)
    response = client.get(url(workspace, f"{user_list.pk}/edit/"))
    assert response.status_code == 200
    assert response.context["state"].filters == {"role": "client"}
    assert response.context["form"].initial["name"] == "Clients"
    assert f'action="{url(workspace, "edit/")}"' in response.content.decode()
    assert f'name="list" value="{user_list.pk}"' in response.content.decode()

    # The filter bar's "Apply" goes through edit/, back to this list's builder.
    response = client.get(url(workspace, f"edit/?list={user_list.pk}&role=lead&q="))
    assert response.status_code == 302
    assert response["Location"] == url(workspace, f"{user_list.pk}/edit/?role=lead&applied=1")
    # Applied with every filter cleared means "everyone", not "the stored filter".
    response = client.get(url(workspace, f"{user_list.pk}/edit/?applied=1"))
    assert response.context["state"].filters == {}

    response = client.post(
        url(workspace, f"{user_list.pk}/edit/"), {"name": "Leads", "query": "role=lead"}
    )
    assert response.status_code == 302
    user_list.refresh_from_db()
    assert (user_list.name, user_list.filter) == ("Leads", {"role": "lead"})


def test_a_member_cannot_edit_or_delete_someone_elses_list(client, owner, member):
    user_list = make_list(owner, "Owner's")
    login(client, member)
    ws = member.workspace
    detail = client.get(url(ws, f"{user_list.pk}/"))
    assert detail.status_code == 200
    assert f"{user_list.pk}/edit/" not in detail.content.decode()
    assert client.get(url(ws, f"{user_list.pk}/edit/")).status_code == 403
    assert client.post(url(ws, f"{user_list.pk}/edit/"), {"name": "X"}).status_code == 403
    assert client.post(url(ws, f"{user_list.pk}/delete/")).status_code == 403
    assert UserList.objects.get(pk=user_list.pk).name == "Owner's"


def test_deleting_asks_first_then_deletes(client, member):
    user_list = make_list(member, "Mine")
    login(client, member)
    ws = member.workspace
    confirm = client.get(url(ws, f"{user_list.pk}/delete/"))
    assert confirm.status_code == 200
    assert "Delete Mine?" in confirm.content.decode()
    assert UserList.objects.filter(pk=user_list.pk).exists()
    response = client.post(url(ws, f"{user_list.pk}/delete/"))
    assert response.status_code == 302
    assert response["Location"] == url(ws)
    assert not UserList.objects.filter(pk=user_list.pk).exists()


# --- detail and download -----------------------------------------------------------------


def test_the_detail_lists_only_members_the_viewer_may_see(client, owner, member):
    clients = make_list(owner, "Clients", role="client")
    mine = make_contact(member, role="client", first_name="Mia")
    make_contact(owner, role="client", first_name="Secret")
    make_contact(member, role="lead", first_name="Leo")
    response = login(client, member).get(url(member.workspace, f"{clients.pk}/"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["rows"]] == [mine.pk]
    page = response.content.decode()
    assert "Secret" not in page
    assert "Leo" not in page
    assert 'id="csv-menu"' in page


def test_the_detail_pages_members_by_keyset(client, owner):
    everyone = make_list(owner, "Everyone")
    for i in range(55):
        make_contact(owner, email=f"p{i}@example.com")
    login(client, owner)
    first = client.get(url(owner.workspace, f"{everyone.pk}/"))
    assert len(first.context["rows"]) == 50
    second = client.get(url(owner.workspace, f"{everyone.pk}/?{first.context['next_query']}"))
    assert len(second.context["rows"]) == 5
    seen = {c.pk for c in first.context["rows"]} | {c.pk for c in second.context["rows"]}
    assert len(seen) == 55
    bad = client.get(url(owner.workspace, f"{everyone.pk}/?cursor=nonsense"))
    assert bad.status_code == 422
    assert "The cursor is not valid." in bad.content.decode()


def test_download_gives_the_chosen_columns_of_visible_members(client, owner, member):
    clients = make_list(owner, "VIP Clients", role="client")
    make_contact(member, role="client", email="mia@example.com", first_name="=cmd|'/c calc'!A1")
    make_contact(owner, role="client", email="secret@example.com")
    login(client, member)
    response = client.get(
        url(member.workspace, f"{clients.pk}/members.csv?columns=email&columns=first_name")
    )
    assert response["Content-Disposition"] == 'attachment; filename="vip-clients-members.csv"'
    assert csv_rows(response) == [
        ["Email", "First name"],
        ["mia@example.com", "'=cmd|'/c calc'!A1"],
    ]


def test_download_with_an_unknown_column_goes_back_with_a_message(client, owner):
    everyone = make_list(owner, "Everyone")
    login(client, owner)
    response = client.get(
        url(owner.workspace, f"{everyone.pk}/members.csv?columns=pin"), follow=True
    )
    assert response.redirect_chain == [(url(owner.workspace, f"{everyone.pk}/"), 302)]
    assert "Unknown column: pin." in response.content.decode()


def test_a_list_whose_custom_field_was_deleted_says_so_instead_of_failing(client, owner, workspace):
    field = make_industry_field(workspace)
    retail = make_list(owner, "Retail", **{"custom.industry": "retail"})
    field_services.field_delete(workspace=workspace, actor=owner, field_id=field.pk, confirm=True)
    login(client, owner)
    response = client.get(url(workspace, f"{retail.pk}/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This list cannot be worked out until its filter is fixed" in page
    assert "The filter refers to the custom field “industry”, which no longer exists." in page
    assert f'href="{url(workspace, f"{retail.pk}/edit/")}"' in page
    assert 'id="csv-menu"' not in page
    count = client.get(url(workspace, f"{retail.pk}/count/"))
    assert "Filter needs fixing" in count.content.decode()
    assert client.get(url(workspace, f"{retail.pk}/edit/")).status_code == 200
    assert client.get(url(workspace)).status_code == 200
    csv_response = client.get(url(workspace, f"{retail.pk}/members.csv"), follow=True)
    assert "no longer exists" in csv_response.content.decode()


def test_the_contacts_list_offers_its_filters_as_a_new_list(client, owner, workspace):
    page = login(client, owner).get(f"/w/{workspace.slug}/contacts/?role=client").content.decode()
    assert f'href="{url(workspace, "new/")}?role=client"' in page


# --- who reaches what --------------------------------------------------------------------


PAGES = ["", "{id}/", "{id}/count/", "{id}/edit/", "{id}/delete/", "{id}/members.csv", "new/"]


@pytest.mark.parametrize("page", PAGES)
def test_with_the_module_off_every_page_is_404(client, owner, workspace, page):
    user_list = make_list(owner)
    workspace.modules = {"lists": False}
    workspace.save(update_fields=["modules"])
    response = login(client, owner).get(url(workspace, page.format(id=user_list.pk)))
    assert response.status_code == 404
    assert 'data-module="lists"' not in client.get(f"/w/{workspace.slug}/").content.decode()


@pytest.mark.parametrize("page", [p for p in PAGES if "{id}" in p])
def test_another_workspaces_list_is_404(client, owner, outsider, page):
    user_list = make_list(owner)
    response = login(client, outsider).get(url(outsider.workspace, page.format(id=user_list.pk)))
    assert response.status_code == 404


def test_an_outsider_cannot_open_the_workspaces_lists(client, owner, outsider):
    assert login(client, outsider).get(url(owner.workspace)).status_code == 404


# --- query counts ------------------------------------------------------------------------


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_the_index_costs_the_same_at_5_and_60_lists(
    client, owner, member, django_assert_max_num_queries
):
    login(client, member)
    ws = member.workspace

    def index():
        assert client.get(url(ws)).status_code == 200

    for i in range(5):
        make_list(owner if i % 2 else make_member(ws, f"m{i}@acme.test"), f"List {i}")
    few = _queries(index)
    for i in range(5, 60):
        make_list(owner, f"List {i}")
    with django_assert_max_num_queries(few):
        index()


def test_the_detail_costs_the_same_at_5_and_60_members(
    client, owner, member, workspace, django_assert_max_num_queries
):
    label = vip(workspace)
    clients = make_list(owner, "Clients", role="client", label=str(label.pk))
    login(client, member)

    def detail():
        assert client.get(url(workspace, f"{clients.pk}/")).status_code == 200

    def add(n):
        for _ in range(n):
            make_contact(member, role="client", label_ids=[label.pk])

    add(5)
    few = _queries(detail)
    add(55)
    with django_assert_max_num_queries(few):
        detail()
