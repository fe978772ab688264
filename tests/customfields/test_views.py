"""The custom fields settings page: admins only, htmx partials, confirmations with counts."""

import pytest

from rapport.customers.models import Contact
from rapport.customfields.models import CustomField, CustomOption, CustomSection
from tests.customfields.factories import RETAIL_B2B_GOV, make_contact, make_field

pytestmark = pytest.mark.django_db


def page(workspace, rest=""):
    return f"/w/{workspace.slug}/settings/custom-fields/{rest}"


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin.user)
    return client


class TestAccess:
    def test_an_admin_sees_the_page_and_the_subnav_link(self, as_admin, workspace):
        make_field(workspace, "Industry", section="Profile", required=True)
        html = as_admin.get(page(workspace)).content.decode()
        assert '<div id="custom-fields"' in html
        assert "Profile" in html
        assert "Industry" in html
        assert '<code class="cf-key">industry</code>' in html
        assert f'href="{page(workspace)}" aria-current="page">Custom fields</a>' in html

    def test_the_empty_page_says_what_to_do(self, as_admin, workspace):
        html = as_admin.get(page(workspace, "company/")).content.decode()
        assert "No custom fields for companies yet" in html
        assert 'id="cf-add-field"' in html

    def test_a_member_gets_403(self, client, workspace, member):
        field = make_field(workspace, "X")
        client.force_login(member.user)
        ws = workspace
        assert client.get(page(ws)).status_code == 403
        assert client.get(page(ws, f"fields/{field.pk}/")).status_code == 403
        assert client.post(page(ws, "contact/fields/"), {"label": "Y"}).status_code == 403
        assert client.post(page(ws, f"fields/{field.pk}/delete/")).status_code == 403
        assert CustomField.objects.count() == 1

    def test_another_workspace_is_404(self, as_admin, other_workspace):
        assert as_admin.get(page(other_workspace)).status_code == 404

    def test_another_workspaces_field_is_404(self, as_admin, workspace, other_workspace):
        theirs = make_field(other_workspace, "Sector", "radio", options=RETAIL_B2B_GOV)
        for url in [
            f"fields/{theirs.pk}/",
            f"fields/{theirs.pk}/delete/",
            f"fields/{theirs.pk}/options/",
            f"fields/{theirs.pk}/options/gov/delete/",
            f"sections/{theirs.section_id}/delete/",
        ]:
            response = as_admin.post(page(workspace, url), {"confirm": "1", "label": "X"})
            assert response.status_code == 404, url
        assert CustomField.objects.filter(pk=theirs.pk).exists()
        assert CustomOption.objects.filter(field=theirs).count() == 3

    def test_an_unknown_entity_or_action_is_404(self, as_admin, workspace):
        field = make_field(workspace, "X")
        assert as_admin.post(page(workspace, "deal/fields/"), {"label": "Y"}).status_code == 404
        assert as_admin.post(page(workspace, f"fields/{field.pk}/explode/")).status_code == 404

    def test_pages_cost_a_fixed_number_of_queries(
        self, as_admin, workspace, django_assert_max_num_queries
    ):
        def counted(url):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert as_admin.get(url).status_code == 200
            return len(ctx.captured_queries)

        field = make_field(workspace, "F", "radio", section="S0", options=RETAIL_B2B_GOV)
        small = counted(page(workspace)), counted(page(workspace, f"fields/{field.pk}/"))
        for i in range(20):
            make_field(workspace, f"F{i}", "checkbox", section=f"S{i % 5}", options=RETAIL_B2B_GOV)
        large = counted(page(workspace)), counted(page(workspace, f"fields/{field.pk}/"))
        assert small == large
        with django_assert_max_num_queries(12):
            as_admin.get(page(workspace))


class TestFields:
    def test_adding_a_field_by_post(self, as_admin, workspace):
        response = as_admin.post(
            page(workspace, "contact/fields/"),
            {
                "label": "Preferred channel",
                "type": "dropdown",
                "required": "on",
                "options": "Email\nPhone\n\n  Post  ",
            },
        )
        assert response.status_code == 302
        field = CustomField.objects.get()
        assert (field.key, field.type, field.required, field.section.name) == (
            "preferred_channel",
            "dropdown",
            True,
            "Details",
        )
        assert list(field.options.order_by("position").values_list("label", flat=True)) == [
            "Email",
            "Phone",
            "Post",
        ]
        assert "Preferred channel added." in as_admin.get(page(workspace)).content.decode()

    def test_htmx_add_returns_the_partial(self, as_admin, workspace):
        section = make_field(workspace, "A", entity="company", section="Money").section
        response = as_admin.post(
            page(workspace, "company/fields/"),
            {"label": "Revenue", "type": "number", "section": section.pk},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="custom-fields" class="stack">')
        assert "Revenue" in html
        assert CustomField.objects.get(key="revenue").section_id == section.pk

    def test_errors_show_inline(self, as_admin, workspace):
        response = as_admin.post(
            page(workspace, "contact/fields/"),
            {"label": "", "type": "text", "options": ""},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 422
        assert 'class="field has-error"' in response.content.decode()
        response = as_admin.post(
            page(workspace, "contact/fields/"),
            {"label": "Notes", "type": "text", "options": "A\nB"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 422
        assert "Only radio button, checkbox and dropdown fields have options." in (
            response.content.decode()
        )
        assert not CustomField.objects.exists()

    def test_deleting_a_field_in_use_asks_with_the_count(self, as_admin, workspace):
        field = make_field(workspace, "Industry")
        for name in ("a", "b"):
            make_contact(workspace, {"industry": "x"}, name=name)
        url = page(workspace, f"fields/{field.pk}/delete/")
        asked = as_admin.post(url, HTTP_HX_REQUEST="true")
        assert asked.status_code == 422
        html = asked.content.decode()
        assert "2 contacts hold a value in Industry; delete the field and clear them?" in html
        assert 'name="confirm" value="1"' in html
        assert CustomField.objects.filter(pk=field.pk).exists()
        done = as_admin.post(url, {"confirm": "1"}, HTTP_HX_REQUEST="true")
        assert done.status_code == 200
        assert "2 records&#x27; values were cleared." in done.content.decode()
        assert not CustomField.objects.filter(pk=field.pk).exists()
        assert list(Contact.objects.values_list("custom", flat=True)) == [{}, {}]

    def test_up_and_down_reorder(self, as_admin, workspace):
        a, b = make_field(workspace, "A"), make_field(workspace, "B")
        response = as_admin.post(page(workspace, f"fields/{b.pk}/up/"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        a.refresh_from_db()
        b.refresh_from_db()
        assert (b.position, a.position) == (0, 1)
        assert f'id="cf-field-{b.pk}-up"' in response.content.decode()

    def test_the_edit_page_saves_label_section_and_required(self, as_admin, workspace):
        field = make_field(workspace, "Sector", "radio", section="One", options=RETAIL_B2B_GOV)
        two = make_field(workspace, "Other", section="Two").section
        html = as_admin.get(page(workspace, f"fields/{field.pk}/")).content.decode()
        assert 'id="field-options"' in html
        assert "The type cannot change" in html
        response = as_admin.post(
            page(workspace, f"fields/{field.pk}/"),
            {"label": "Industry", "section": two.pk, "required": "on"},
        )
        assert response.status_code == 302
        field.refresh_from_db()
        assert (field.label, field.key, field.section_id, field.required) == (
            "Industry",
            "sector",
            two.pk,
            True,
        )
        bad = as_admin.post(page(workspace, f"fields/{field.pk}/"), {"label": "", "section": 0})
        assert bad.status_code == 422


class TestOptionsAndSections:
    def test_options_are_managed_on_the_field_page(self, as_admin, workspace):
        field = make_field(workspace, "Sector", "checkbox", options=RETAIL_B2B_GOV)
        make_contact(workspace, {"sector": ["retail", "gov"]})
        base = page(workspace, f"fields/{field.pk}/options/")
        added = as_admin.post(base, {"label": "Non-profit"}, HTTP_HX_REQUEST="true")
        assert added.status_code == 200
        assert (
            added.content.decode().lstrip().startswith('<section class="card" id="field-options"')
        )
        as_admin.post(base + "non-profit/rename/", {"label": "NGO"}, HTTP_HX_REQUEST="true")
        as_admin.post(base + "non-profit/up/", HTTP_HX_REQUEST="true")
        values = list(field.options.order_by("position").values_list("value", "label"))
        assert values == [
            ("retail", "Retail"),
            ("b2b", "B2B"),
            ("non-profit", "NGO"),
            ("gov", "Government"),
        ]
        asked = as_admin.post(base + "gov/delete/", HTTP_HX_REQUEST="true")
        assert asked.status_code == 422
        assert "1 contact has Government chosen" in asked.content.decode()
        as_admin.post(base + "gov/delete/", {"confirm": "1"}, HTTP_HX_REQUEST="true")
        assert Contact.objects.get().custom == {"sector": ["retail"]}

    def test_sections_are_added_renamed_and_deleted_when_empty(self, as_admin, workspace):
        as_admin.post(page(workspace, "contact/sections/"), {"name": "Profile"})
        section = CustomSection.objects.get()
        as_admin.post(page(workspace, f"sections/{section.pk}/rename/"), {"name": "About"})
        section.refresh_from_db()
        assert section.name == "About"
        make_field(workspace, "A", section="About")
        refused = as_admin.post(
            page(workspace, f"sections/{section.pk}/delete/"), HTTP_HX_REQUEST="true"
        )
        assert refused.status_code == 422
        assert "About still holds 1 field" in refused.content.decode()
        duplicate = as_admin.post(
            page(workspace, "contact/sections/"), {"name": "About"}, HTTP_HX_REQUEST="true"
        )
        assert duplicate.status_code == 422
        assert "already exists" in duplicate.content.decode()
