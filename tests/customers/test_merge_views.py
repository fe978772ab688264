"""The duplicates page and the merge page: what they show, who sees what, merging, queries."""

import re

import pytest

from rapport.core.models import Activity
from rapport.customers.models import Company, Contact
from tests.customers.factories import make_company, make_contact, make_team
from tests.customers.test_views_records import login, text, url

pytestmark = pytest.mark.django_db


def merge_url(workspace, kind, first, *others):
    query = "&".join(f"with={o.pk}" for o in others)
    return url(workspace, f"{kind}/{first.pk}/merge/") + (f"?{query}" if query else "")


# --- the duplicates page ------------------------------------------------------------------


def test_the_duplicates_page_lists_each_group_with_why_and_a_review_link(client, owner):
    login(client, owner)
    a = make_contact(owner, first_name="Ada", email="ada@e.test")
    b = make_contact(owner, first_name="Augusta", email="ada@e.test")
    response = client.get(url(owner.workspace, "contacts/duplicates/"))
    assert response.status_code == 200
    page = text(response)
    assert "Same email ada@e.test 2 records" in page
    assert "Ada Lovelace" in page
    assert "Augusta Lovelace" in page
    html = response.content.decode()
    assert f'href="/w/{owner.workspace.slug}/contacts/{a.pk}/merge/?with={b.pk}"' in html


def test_the_duplicates_page_filters_by_reason(client, owner):
    login(client, owner)
    make_contact(owner, first_name="Ada", email="ada@e.test", phone="601234567")
    make_contact(owner, first_name="Bob", email="bob@e.test", phone="601 234 567")
    page = text(client.get(url(owner.workspace, "contacts/duplicates/?reason=email")))
    assert "No likely duplicates" in page
    page = text(client.get(url(owner.workspace, "contacts/duplicates/?reason=phone")))
    assert "Same phone 601234567" in page
    assert client.get(url(owner.workspace, "contacts/duplicates/?reason=domain")).status_code == 404
    assert client.get(url(owner.workspace, "contacts/duplicates/?cursor=bad")).status_code == 404


def test_an_empty_workspace_says_there_are_no_duplicates(client, owner):
    login(client, owner)
    make_contact(owner, email="ada@e.test")
    page = text(client.get(url(owner.workspace, "contacts/duplicates/")))
    assert "No likely duplicates" in page
    assert "Nice and tidy" in page


def test_a_member_does_not_see_a_group_through_a_contact_they_may_not_see(client, owner, member):
    login(client, member)
    make_contact(member, first_name="Mine", email="ada@e.test")
    make_contact(owner, first_name="Secret", email="ada@e.test")
    page = text(client.get(url(owner.workspace, "contacts/duplicates/")))
    assert "No likely duplicates" in page
    assert "Secret" not in page


def test_the_duplicates_pages_of_another_workspace_are_404(client, owner, outsider):
    login(client, outsider)
    for rest in ("contacts/duplicates/", "companies/duplicates/"):
        assert client.get(url(owner.workspace, rest)).status_code == 404


def test_the_company_tab_lists_near_identical_names(client, owner, member):
    login(client, member)
    make_company(owner, name="Acme Inc.")
    make_company(owner, name="ACME")
    page = text(client.get(url(owner.workspace, "companies/duplicates/")))
    assert "Similar name acme 2 records" in page


def test_check_again_scans_and_comes_back(client, owner):
    login(client, owner)
    response = client.post(url(owner.workspace, "contacts/duplicates/scan/"))
    assert response.status_code == 302
    assert response["Location"] == url(owner.workspace, "contacts/duplicates/")


def test_the_duplicates_page_reads_a_fixed_number_of_queries(
    client, owner, member, django_assert_max_num_queries
):
    login(client, member)
    for n in range(8):
        make_contact(member, first_name=f"A{n}", email=f"p{n}@e.test", phone=f"60123{n:04d}")
        make_contact(member, first_name=f"B{n}", email=f"p{n}@e.test", phone=f"60123{n:04d}")
    client.get(url(owner.workspace, "contacts/duplicates/"))  # the scan
    with django_assert_max_num_queries(9):
        response = client.get(url(owner.workspace, "contacts/duplicates/"))
    assert text(response).count("Review and merge") == 16


def test_the_contact_list_links_to_its_duplicates(client, owner):
    login(client, owner)
    html = client.get(url(owner.workspace, "contacts/")).content.decode()
    assert f'href="/w/{owner.workspace.slug}/contacts/duplicates/" id="list-duplicates"' in html
    html = client.get(url(owner.workspace, "companies/")).content.decode()
    assert f'href="/w/{owner.workspace.slug}/companies/duplicates/" id="list-duplicates"' in html


# --- the merge page -----------------------------------------------------------------------


def test_the_merge_page_shows_the_records_side_by_side_with_defaults(client, owner):
    login(client, owner)
    keep = make_contact(owner, first_name="Ada", email="ada@e.test", job_title="")
    other = make_contact(owner, first_name="Augusta", email="ada@e.test", job_title="Countess")
    response = client.get(merge_url(owner.workspace, "contacts", keep, other))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'name="survivor" value="{keep.pk}"\s+checked', html)
    # Different first names: a choice, defaulting to the kept record's.
    assert re.search(rf'name="f_first_name" value="{keep.pk}"\s+checked', html)
    # The kept record has no job title: the other's is picked.
    assert re.search(rf'name="f_job_title" value="{other.pk}"\s+checked', html)
    # The same email everywhere: no choice to make.
    assert 'name="f_email"' not in html
    assert "The other record is then deleted." in text(response)


def test_merging_from_the_page_lands_on_the_survivor_and_the_other_is_gone(client, owner):
    login(client, owner)
    keep = make_contact(owner, first_name="Ada", email="ada@e.test")
    other = make_contact(owner, first_name="Augusta", email="ada@e.test", job_title="Countess")
    response = client.post(
        merge_url(owner.workspace, "contacts", keep, other),
        {"with": [other.pk], "survivor": keep.pk, "f_first_name": other.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url(owner.workspace, f"contacts/{keep.pk}/")
    page = text(response)
    assert "Merged 1 contact into Augusta Lovelace." in page
    assert "merged duplicates into this contact" in page
    assert f"Merged: Augusta Lovelace (#{other.pk}) → Augusta Lovelace (#{keep.pk})" in page
    assert Contact.objects.get(pk=keep.pk).job_title == "Countess"
    assert client.get(url(owner.workspace, f"contacts/{other.pk}/")).status_code == 404


def test_the_page_can_keep_another_record(client, owner):
    login(client, owner)
    first = make_contact(owner, first_name="Ada", email="ada@e.test")
    second = make_contact(owner, first_name="Augusta", email="ada@e.test")
    response = client.post(
        merge_url(owner.workspace, "contacts", first, second),
        {"with": [second.pk], "survivor": second.pk},
    )
    assert response["Location"] == url(owner.workspace, f"contacts/{second.pk}/")
    assert list(Contact.objects.values_list("pk", flat=True)) == [second.pk]


def test_a_record_the_member_may_not_see_makes_the_merge_page_404(client, owner, member):
    login(client, member)
    mine = make_contact(member, email="ada@e.test")
    private = make_contact(owner, email="ada@e.test")
    assert client.get(merge_url(owner.workspace, "contacts", mine, private)).status_code == 404
    assert client.get(merge_url(owner.workspace, "contacts", private, mine)).status_code == 404
    response = client.post(
        merge_url(owner.workspace, "contacts", mine, private),
        {"with": [private.pk], "survivor": mine.pk},
    )
    assert response.status_code == 404
    assert Contact.objects.filter(pk=private.pk).exists()


def test_a_refused_merge_shows_why_and_changes_nothing(client, owner, member, workspace):
    login(client, member)
    team = make_team(workspace, "Sales", member)
    mine = make_contact(member, email="ada@e.test")
    shared = make_contact(owner, email="ada@e.test", visibility="teams", team_ids=[team.pk])
    response = client.post(
        merge_url(owner.workspace, "contacts", mine, shared),
        {"with": [shared.pk], "survivor": mine.pk},
    )
    assert response.status_code == 403
    assert "only its owner or an admin can" in text(response)
    assert Contact.objects.filter(pk=shared.pk).exists()


def test_the_merge_page_without_others_suggests_duplicates_and_searches(client, owner):
    login(client, owner)
    keep = make_contact(owner, first_name="Ada", email="ada@e.test")
    twin = make_contact(owner, first_name="Augusta", email="ada@e.test")
    make_contact(owner, first_name="Charles", last_name="Babbage")
    response = client.get(merge_url(owner.workspace, "contacts", keep))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="with" value="{twin.pk}" checked' in html
    page = text(client.get(merge_url(owner.workspace, "contacts", keep) + "?q=babbage&search=1"))
    assert "Charles Babbage" in page


def test_the_contact_page_offers_merge_to_who_may_merge(client, owner, member, workspace):
    team = make_team(workspace, "Sales", member)
    contact = make_contact(owner, email="ada@e.test", visibility="teams", team_ids=[team.pk])
    login(client, owner)
    assert (
        'id="contact-merge"'
        in client.get(url(owner.workspace, f"contacts/{contact.pk}/")).content.decode()
    )
    login(client, member)
    assert (
        'id="contact-merge"'
        not in client.get(url(owner.workspace, f"contacts/{contact.pk}/")).content.decode()
    )


def test_merging_companies_from_the_page_moves_their_people(client, owner):
    login(client, owner)
    keep = make_company(owner, name="Acme")
    other = make_company(owner, name="Acme Inc.")
    ada = make_contact(owner, email="ada@acme.test", company_id=other.pk)
    response = client.get(merge_url(owner.workspace, "companies", keep, other))
    assert response.status_code == 200
    assert "1 contact" in text(response)
    response = client.post(
        merge_url(owner.workspace, "companies", keep, other),
        {"with": [other.pk], "survivor": keep.pk, "f_name": other.pk},
    )
    assert response["Location"] == url(owner.workspace, f"companies/{keep.pk}/")
    assert Company.objects.get(pk=keep.pk).name == "Acme Inc."
    assert Contact.objects.get(pk=ada.pk).company_id == keep.pk
    assert Activity.objects.filter(target_id=keep.pk, verb="company.merged").exists()


def test_the_merge_page_reads_a_fixed_number_of_queries(
    client, owner, django_assert_max_num_queries
):
    login(client, owner)
    records = [make_contact(owner, first_name=f"P{n}", email="ada@e.test") for n in range(6)]
    with django_assert_max_num_queries(9):
        response = client.get(merge_url(owner.workspace, "contacts", *records))
    assert response.status_code == 200
