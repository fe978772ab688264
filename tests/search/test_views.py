"""The search page and the suggestions partial under the top bar's box."""

import pytest

from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def url(ws, path=""):
    return f"/w/{ws.slug}/search/{path}"


def test_the_page_lists_what_the_member_may_see(client, workspace, member):
    other = make_member(workspace, "other@acme.test")
    contact = make_contact(member, first_name="Ada", last_name="Lovelace")
    make_contact(other, first_name="Secret", last_name="Lovelace")
    make_company(member, name="Łódź Textiles")
    client.force_login(member.user)
    html = client.get(url(workspace), {"q": "lovelace"}).content.decode()
    assert f'href="/w/{workspace.slug}/contacts/{contact.pk}/"' in html
    assert "Secret" not in html
    assert "1 result for “lovelace”" in html
    assert 'id="global-search" name="q" value="lovelace"' in html
    html = client.get(url(workspace), {"q": "lodz"}).content.decode()
    assert "Łódź Textiles" in html


def test_the_page_without_a_query_invites_to_type(client, member):
    client.force_login(member.user)
    html = client.get(url(member.workspace)).content.decode()
    assert "Type to search" in html
    html = client.get(url(member.workspace), {"q": "zzzz"}).content.decode()
    assert "Nothing found" in html


def test_suggestions_are_a_listbox_of_options_and_a_link_to_all_results(client, member):
    contact = make_contact(member, first_name="Ada", last_name="Lovelace", email="ada@x.example")
    client.force_login(member.user)
    response = client.get(url(member.workspace, "suggest/"), {"q": "lov"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<ul id="search-suggestions"')
    assert 'role="listbox"' in html
    assert f'data-href="/w/{member.workspace.slug}/contacts/{contact.pk}/"' in html
    assert html.count('role="option"') == 2  # the contact and "All results"
    assert f'data-href="/w/{member.workspace.slug}/search/?q=lov"' in html
    assert 'data-status="1 result"' in html


def test_suggestions_for_too_short_a_query_are_hidden(client, member):
    client.force_login(member.user)
    html = client.get(url(member.workspace, "suggest/"), {"q": "a"}).content.decode()
    assert 'role="listbox"' in html
    assert " hidden" in html
    assert 'role="option"' not in html


def test_admins_find_people_teams_and_settings_pages(client, admin, member):
    client.force_login(admin.user)
    html = client.get(url(admin.workspace), {"q": "member"}).content.decode()
    assert "member@acme.test" in html
    assert f'href="/w/{admin.workspace.slug}/settings/members/"' in html
    html = client.get(url(admin.workspace), {"q": "custom fi"}).content.decode()
    assert "Custom fields" in html


def test_members_find_their_account_pages_but_not_people(client, admin, member):
    client.force_login(member.user)
    html = client.get(url(member.workspace), {"q": "admin"}).content.decode()
    assert "admin@acme.test" not in html
    html = client.get(url(member.workspace), {"q": "api tok"}).content.decode()
    assert f'href="/w/{member.workspace.slug}/account/tokens/"' in html


def test_the_page_and_the_suggestions_are_404_in_another_workspace(client, member, outsider):
    client.force_login(outsider.user)
    assert client.get(url(member.workspace), {"q": "ada"}).status_code == 404
    assert client.get(url(member.workspace, "suggest/"), {"q": "ada"}).status_code == 404


def test_the_top_bar_is_a_combobox_on_every_page(client, member):
    client.force_login(member.user)
    html = client.get(f"/w/{member.workspace.slug}/").content.decode()
    assert 'role="combobox"' in html
    assert 'aria-controls="search-suggestions"' in html
    assert 'hx-trigger="input changed delay:150ms, search"' in html


def test_the_page_uses_a_fixed_number_of_queries(client, member, django_assert_max_num_queries):
    for i in range(30):
        make_contact(member, first_name="Ada", last_name=f"Lovelace{i}")
    client.force_login(member.user)
    with django_assert_max_num_queries(14):
        assert client.get(url(member.workspace), {"q": "ada"}).status_code == 200
