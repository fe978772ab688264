"""/api/v1/custom-fields: the field shape, errors naming fields, who may write, and 404
for other workspaces."""

import json

import pytest

from rapport.customfields.models import CustomField, CustomOption
from tests.core.factories import token_for
from tests.customfields.factories import RETAIL_B2B_GOV, make_contact, make_field

pytestmark = pytest.mark.django_db

URL = "/api/v1/custom-fields"


class Api:
    def __init__(self, client, membership):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(membership)}"}

    def get(self, path):
        return self.client.get(path, **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)

    def post(self, path, data):
        return self.client.post(
            path, json.dumps(data), content_type="application/json", **self.headers
        )

    def patch(self, path, data):
        return self.client.patch(
            path, json.dumps(data), content_type="application/json", **self.headers
        )


@pytest.fixture
def as_admin(client, admin):
    return Api(client, admin)


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


@pytest.fixture
def sector(workspace):
    return make_field(workspace, "Sector", "dropdown", section="Profile", options=RETAIL_B2B_GOV)


class TestShape:
    def test_a_field_has_exactly_the_documented_shape(self, as_admin, sector):
        assert as_admin.get(f"{URL}/{sector.pk}").json() == {
            "id": sector.pk,
            "entity": "contact",
            "section": "Profile",
            "key": "sector",
            "label": "Sector",
            "type": "dropdown",
            "required": False,
            "position": 0,
            "options": [
                {"value": "retail", "label": "Retail"},
                {"value": "b2b", "label": "B2B"},
                {"value": "gov", "label": "Government"},
            ],
        }

    def test_create_with_inline_options_answers_201(self, as_admin):
        response = as_admin.post(
            URL,
            {
                "entity": "company",
                "label": "Segment",
                "type": "checkbox",
                "section": "Sales",
                "required": True,
                "options": [{"label": "Retail"}, {"value": "b2b", "label": "B2B"}],
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body | {"id": 0} == {
            "id": 0,
            "entity": "company",
            "section": "Sales",
            "key": "segment",
            "label": "Segment",
            "type": "checkbox",
            "required": True,
            "position": 0,
            "options": [{"value": "retail", "label": "Retail"}, {"value": "b2b", "label": "B2B"}],
        }

    def test_list_filters_by_entity_and_pages_with_a_cursor(self, as_admin, workspace):
        for i in range(5):
            make_field(workspace, f"Contact {i}")
        make_field(workspace, "Size", "number", entity="company")
        seen, cursor = [], None
        for _ in range(5):
            body = as_admin.get(
                f"{URL}?entity=contact&limit=2" + (f"&cursor={cursor}" if cursor else "")
            ).json()
            seen += [f["key"] for f in body["items"]]
            cursor = body["next"]
            if cursor is None:
                break
        assert seen == [f"contact_{i}" for i in range(5)]
        companies = as_admin.get(f"{URL}?entity=company").json()
        assert [f["key"] for f in companies["items"]] == ["size"]
        assert companies["next"] is None
        assert as_admin.get(f"{URL}?entity=deal").status_code == 422

    def test_the_list_follows_section_order(self, as_admin, workspace):
        make_field(workspace, "B", section="Second")
        make_field(workspace, "A", section="First")
        make_field(workspace, "C", section="Second")
        keys = [f["key"] for f in as_admin.get(URL).json()["items"]]
        assert keys == ["b", "c", "a"]

    def test_the_list_costs_the_same_queries_at_any_size(
        self, as_admin, workspace, django_assert_max_num_queries
    ):
        for i in range(30):
            make_field(workspace, f"F{i}", "radio", section=f"S{i % 4}", options=RETAIL_B2B_GOV)
        with django_assert_max_num_queries(6):
            body = as_admin.get(f"{URL}?limit=200").json()
        assert len(body["items"]) == 30
        assert all(len(f["options"]) == 3 for f in body["items"])


class TestWrites:
    def test_patch_renames_and_keeps_the_key(self, as_admin, sector, workspace):
        contact = make_contact(workspace, {"sector": "gov"})
        response = as_admin.patch(
            f"{URL}/{sector.pk}", {"label": "Industry", "required": True, "section": "Other"}
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["label"], body["key"], body["required"], body["section"]) == (
            "Industry",
            "sector",
            True,
            "Other",
        )
        contact.refresh_from_db()
        assert contact.custom == {"sector": "gov"}

    def test_errors_are_422_naming_the_field(self, as_admin, sector):
        cases = [
            (as_admin.post(URL, {"entity": "contact", "type": "text"}), "label"),
            (as_admin.post(URL, {"entity": "contact", "label": "A", "type": "colour"}), "type"),
            (as_admin.post(URL, {"entity": "deal", "label": "A", "type": "text"}), "entity"),
            (
                as_admin.post(
                    URL,
                    {
                        "entity": "contact",
                        "label": "A",
                        "type": "text",
                        "options": [{"label": "x"}],
                    },
                ),
                "options",
            ),
            (
                as_admin.post(URL, {"entity": "contact", "label": "A", "type": "text", "key": "A"}),
                "key",
            ),
            (as_admin.patch(f"{URL}/{sector.pk}", {"type": "text"}), "type"),
            (as_admin.patch(f"{URL}/{sector.pk}", {"label": ""}), "label"),
            (as_admin.post(f"{URL}/{sector.pk}/options", {"label": " "}), "label"),
            (as_admin.post(f"{URL}/{sector.pk}/options", {"label": "X", "value": "a b"}), "value"),
        ]
        for response, field in cases:
            assert response.status_code == 422, (field, response.json())
            assert field in [e["field"] for e in response.json()["errors"]], response.json()

    def test_options_are_added_renamed_and_deleted_by_value(self, as_admin, sector):
        added = as_admin.post(f"{URL}/{sector.pk}/options", {"label": "Non-profit"})
        assert added.status_code == 201
        assert added.json() == {"value": "non-profit", "label": "Non-profit"}
        renamed = as_admin.patch(f"{URL}/{sector.pk}/options/non-profit", {"label": "NGO"})
        assert renamed.json() == {"value": "non-profit", "label": "NGO"}
        assert as_admin.delete(f"{URL}/{sector.pk}/options/non-profit").status_code == 204
        assert as_admin.patch(f"{URL}/{sector.pk}/options/nope", {"label": "X"}).status_code == 404

    def test_deleting_values_in_use_needs_confirm(self, as_admin, sector, workspace):
        make_contact(workspace, {"sector": "gov"})
        make_contact(workspace, {"sector": "retail"})
        refused = as_admin.delete(f"{URL}/{sector.pk}/options/gov")
        assert refused.status_code == 409
        assert refused.json() == {
            "detail": "1 contact has Government chosen; delete the option and clear it?",
            "errors": [
                {
                    "field": "confirm",
                    "message": "1 contact has Government chosen; delete the option and clear it?",
                }
            ],
        }
        assert as_admin.delete(f"{URL}/{sector.pk}/options/gov?confirm=true").status_code == 204
        refused = as_admin.delete(f"{URL}/{sector.pk}")
        assert refused.status_code == 409
        assert refused.json()["detail"].startswith("1 contact holds a value in Sector")
        assert as_admin.delete(f"{URL}/{sector.pk}?confirm=true").status_code == 204
        assert as_admin.get(f"{URL}/{sector.pk}").status_code == 404


class TestAccess:
    def test_members_read_but_get_403_on_writes(self, as_member, sector):
        assert as_member.get(URL).status_code == 200
        assert as_member.get(f"{URL}/{sector.pk}").status_code == 200
        attempts = [
            as_member.post(URL, {"entity": "contact", "label": "X", "type": "text"}),
            as_member.patch(f"{URL}/{sector.pk}", {"label": "X"}),
            as_member.delete(f"{URL}/{sector.pk}?confirm=true"),
            as_member.post(f"{URL}/{sector.pk}/options", {"label": "X"}),
            as_member.patch(f"{URL}/{sector.pk}/options/gov", {"label": "X"}),
            as_member.delete(f"{URL}/{sector.pk}/options/gov?confirm=true"),
        ]
        assert [r.status_code for r in attempts] == [403] * len(attempts)
        assert CustomField.objects.get().label == "Sector"
        assert CustomOption.objects.count() == 3

    def test_another_workspaces_field_is_404(self, as_admin, other_workspace):
        theirs = make_field(other_workspace, "Sector", "radio", options=RETAIL_B2B_GOV)
        responses = [
            as_admin.get(f"{URL}/{theirs.pk}"),
            as_admin.patch(f"{URL}/{theirs.pk}", {"label": "X"}),
            as_admin.delete(f"{URL}/{theirs.pk}?confirm=true"),
            as_admin.post(f"{URL}/{theirs.pk}/options", {"label": "X"}),
            as_admin.patch(f"{URL}/{theirs.pk}/options/gov", {"label": "X"}),
            as_admin.delete(f"{URL}/{theirs.pk}/options/gov?confirm=true"),
        ]
        assert [r.status_code for r in responses] == [404] * len(responses)
        assert as_admin.get(URL).json()["items"] == []
        theirs.refresh_from_db()
        assert theirs.label == "Sector"

    def test_no_token_is_401(self, client, sector):
        assert client.get(URL).status_code == 401

    @pytest.mark.parametrize(
        "path", ["/99999999999999999999", "/0", "/-1", "/abc", "/1/options/%00", "/1/options/x"]
    )
    def test_odd_ids_and_values_are_4xx(self, as_admin, path):
        for response in (as_admin.get(URL + path), as_admin.delete(URL + path)):
            assert 400 <= response.status_code < 500
