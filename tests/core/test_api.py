"""The REST API's contracts: auth, the authorization matrix, shapes, errors, pagination."""

import json
import re

import pytest

from rapport.core.models import Category, Team
from tests.core.factories import make_member, token_for

pytestmark = pytest.mark.django_db

SETTINGS_READS = [
    "/api/v1/settings/modules",
    "/api/v1/settings/categories/labels",
    "/api/v1/settings/categories/deal-statuses",
]


class Api:
    """A client that speaks as one membership through a Bearer token."""

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
def as_owner(client, owner):
    return Api(client, owner)


@pytest.fixture
def as_admin(client, admin):
    return Api(client, admin)


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


def _category(workspace, kind, position=0):
    return Category.objects.filter(workspace=workspace, kind=kind).order_by("position")[position]


class TestAuthentication:
    def test_no_token_is_401_with_the_error_shape(self, client, workspace):
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "errors"}

    def test_a_wrong_token_is_401(self, client, workspace):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer rpt_nope")
        assert response.status_code == 401

    def test_a_revoked_token_is_401(self, client, member):
        api = Api(client, member)
        token_id = api.get("/api/v1/tokens").json()["items"][0]["id"]
        assert api.delete(f"/api/v1/tokens/{token_id}").status_code == 204
        assert api.get("/api/v1/me").status_code == 401

    def test_me_describes_the_token_owner_and_workspace(self, as_admin, admin, workspace):
        assert as_admin.get("/api/v1/me").json() == {
            "id": admin.user_id,
            "email": "admin@acme.test",
            "name": "Admin",
            "role": "admin",
            "language": "en",
            "workspace": {"id": workspace.pk, "slug": workspace.slug, "name": "Acme"},
        }

    def test_the_session_works_for_the_ui(self, client, member):
        client.force_login(member.user)
        assert client.get("/api/v1/me").json()["id"] == member.user_id

    def test_session_writes_need_csrf(self, member):
        from django.test import Client

        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(member.user)
        response = csrf_client.post(
            "/api/v1/tokens", json.dumps({"name": "x"}), content_type="application/json"
        )
        assert response.status_code in (401, 403)


class TestAuthorizationMatrix:
    @pytest.mark.parametrize("path", SETTINGS_READS)
    def test_members_get_403_on_settings(self, as_member, path):
        response = as_member.get(path)
        assert response.status_code == 403
        assert response.json()["detail"]

    @pytest.mark.parametrize("path", SETTINGS_READS)
    @pytest.mark.parametrize("who", ["as_admin", "as_owner"])
    def test_admins_and_owners_read_settings(self, request, who, path):
        assert request.getfixturevalue(who).get(path).status_code == 200

    def test_members_cannot_write_settings(self, as_member, workspace):
        label = _category(workspace, "labels")
        team = Team.objects.create(workspace=workspace, name="T")
        attempts = [
            as_member.patch("/api/v1/settings/modules", {"sales": False}),
            as_member.post("/api/v1/settings/categories/labels", {"name": "X"}),
            as_member.patch(f"/api/v1/settings/categories/labels/{label.pk}", {"name": "X"}),
            as_member.delete(f"/api/v1/settings/categories/labels/{label.pk}"),
            as_member.post("/api/v1/settings/categories/labels/reorder", {"ids": [label.pk]}),
            as_member.post("/api/v1/teams", {"name": "Mine"}),
            as_member.patch(f"/api/v1/teams/{team.pk}", {"name": "Mine"}),
            as_member.delete(f"/api/v1/teams/{team.pk}"),
            as_member.post("/api/v1/members", {"email": "x@y.test"}),
        ]
        assert [r.status_code for r in attempts] == [403] * len(attempts)
        label.refresh_from_db()
        assert label.name == "VIP"
        assert workspace.module_enabled("sales") is True

    def test_members_may_read_teams_and_members(self, as_member):
        assert as_member.get("/api/v1/teams").status_code == 200
        assert as_member.get("/api/v1/members").status_code == 200


class TestOtherWorkspaces:
    def test_their_categories_teams_and_members_are_404(self, as_owner, other_workspace, outsider):
        theirs = _category(other_workspace, "labels")
        team = Team.objects.create(workspace=other_workspace, name="Theirs")
        paths = [
            f"/api/v1/settings/categories/labels/{theirs.pk}",
            f"/api/v1/teams/{team.pk}",
            f"/api/v1/members/{outsider.user_id}",
        ]
        for path in paths:
            assert as_owner.get(path).status_code == 404, path
            assert as_owner.delete(path).status_code == 404, path
        assert (
            as_owner.patch(f"/api/v1/settings/categories/labels/{theirs.pk}", {"name": "X"})
        ).status_code == 404
        assert as_owner.post(f"/api/v1/teams/{team.pk}/members", {"user_id": 1}).status_code == 404
        theirs.refresh_from_db()
        assert theirs.name == "VIP"
        assert Team.objects.filter(pk=team.pk).exists()

    def test_their_members_are_absent_from_lists(self, as_owner, outsider):
        emails = [m["email"] for m in as_owner.get("/api/v1/members").json()["items"]]
        assert outsider.user.email not in emails

    def test_their_tokens_cannot_be_revoked(self, as_owner, client, outsider):
        theirs = Api(client, outsider)
        token_id = theirs.get("/api/v1/tokens").json()["items"][0]["id"]
        assert as_owner.delete(f"/api/v1/tokens/{token_id}").status_code == 404
        assert theirs.get("/api/v1/me").status_code == 200


class TestCategories:
    def test_the_done_when_flow_shows_four_locked_statuses(self, as_owner):
        body = as_owner.get("/api/v1/settings/categories/deal-statuses").json()
        assert [(c["name"], c["locked"]) for c in body["items"]] == [
            ("In progress", True),
            ("Won", True),
            ("Postponed", True),
            ("Lost", True),
        ]
        assert set(body["items"][0]) == {"id", "name", "color", "position", "locked"}
        assert body["next"] is None

    def test_create_answers_201_with_the_object(self, as_admin):
        response = as_admin.post(
            "/api/v1/settings/categories/labels", {"name": "Partner", "color": "#112233"}
        )
        assert response.status_code == 201
        assert response.json() | {"id": 0} == {
            "id": 0,
            "name": "Partner",
            "color": "#112233",
            "position": 4,
            "locked": False,
        }

    def test_a_duplicate_name_is_409(self, as_admin):
        response = as_admin.post("/api/v1/settings/categories/labels", {"name": "VIP"})
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "name"

    def test_bad_input_is_422_with_field_errors(self, as_admin):
        response = as_admin.post("/api/v1/settings/categories/labels", {"color": "blue"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["name"]
        response = as_admin.post(
            "/api/v1/settings/categories/labels", {"name": "A", "color": "blue"}
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "color", "message": "Use a colour like #1d4ed8."}
        ]

    def test_garbage_json_is_400_not_500(self, client, admin):
        api = Api(client, admin)
        response = client.post(
            "/api/v1/settings/categories/labels",
            "{not json",
            content_type="application/json",
            **api.headers,
        )
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_an_unknown_kind_is_404(self, as_admin):
        assert as_admin.get("/api/v1/settings/categories/nope").status_code == 404

    def test_a_locked_status_is_409_on_delete(self, as_owner, workspace):
        won = _category(workspace, "deal-statuses", 1)
        response = as_owner.delete(f"/api/v1/settings/categories/deal-statuses/{won.pk}")
        assert response.status_code == 409
        assert "Won" in response.json()["detail"]
        assert Category.objects.filter(pk=won.pk).exists()

    def test_update_is_patch_answering_200(self, as_admin, workspace):
        won = _category(workspace, "deal-statuses", 1)
        response = as_admin.patch(
            f"/api/v1/settings/categories/deal-statuses/{won.pk}", {"color": "#00ff00"}
        )
        assert response.status_code == 200
        assert response.json()["color"] == "#00ff00"
        assert response.json()["name"] == "Won"

    def test_delete_answers_204(self, as_admin, workspace):
        vip = _category(workspace, "labels")
        assert as_admin.delete(f"/api/v1/settings/categories/labels/{vip.pk}").status_code == 204
        assert not Category.objects.filter(pk=vip.pk).exists()

    def test_reorder(self, as_admin, workspace):
        ids = list(
            Category.objects.filter(workspace=workspace, kind="labels")
            .order_by("position")
            .values_list("pk", flat=True)
        )
        response = as_admin.post(
            "/api/v1/settings/categories/labels/reorder", {"ids": list(reversed(ids))}
        )
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["items"]] == list(reversed(ids))
        assert [c["position"] for c in response.json()["items"]] == [0, 1, 2, 3]

    def test_a_kind_of_a_switched_off_module_is_404(self, as_admin):
        assert as_admin.patch("/api/v1/settings/modules", {"tickets": False}).status_code == 200
        assert as_admin.get("/api/v1/settings/categories/ticket-statuses").status_code == 404


class TestPagination:
    def test_cursor_walks_every_row_once(self, as_admin, workspace):
        seen, cursor = [], None
        for _ in range(10):
            url = "/api/v1/settings/categories/sources?limit=2"
            body = as_admin.get(url + (f"&cursor={cursor}" if cursor else "")).json()
            seen += [c["id"] for c in body["items"]]
            cursor = body["next"]
            if cursor is None:
                break
        expected = list(
            Category.objects.filter(workspace=workspace, kind="sources")
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        assert seen == expected

    @pytest.mark.parametrize(
        "query", ["limit=0", "limit=201", "limit=x", "cursor=%%%", "cursor=WzFd"]
    )
    def test_bad_paging_is_a_clear_4xx(self, as_admin, query):
        response = as_admin.get(f"/api/v1/settings/categories/sources?{query}")
        assert response.status_code in (400, 422)
        assert response.json()["detail"]

    def test_a_list_costs_the_same_queries_at_any_size(
        self, as_admin, workspace, django_assert_max_num_queries
    ):
        for i in range(30):
            make_member(workspace, f"m{i}@acme.test", teams=[f"Team {i % 5}"])
        with django_assert_max_num_queries(6):
            body = as_admin.get("/api/v1/members?limit=200").json()
        assert len(body["items"]) == 32
        with django_assert_max_num_queries(6):
            body = as_admin.get("/api/v1/teams").json()
        assert len(body["items"]) == 5


class TestTeamsAndMembers:
    def test_team_crud_and_membership(self, as_admin, member):
        created = as_admin.post("/api/v1/teams", {"name": "Sales"})
        assert created.status_code == 201
        team_id = created.json()["id"]
        added = as_admin.post(f"/api/v1/teams/{team_id}/members", {"user_id": member.user_id})
        assert added.status_code == 201
        assert added.json()["member_ids"] == [member.user_id]
        assert as_admin.patch(f"/api/v1/teams/{team_id}", {"name": "Revenue"}).json() == {
            "id": team_id,
            "name": "Revenue",
            "member_ids": [member.user_id],
        }
        removed = as_admin.delete(f"/api/v1/teams/{team_id}/members/{member.user_id}")
        assert removed.status_code == 204
        assert as_admin.get(f"/api/v1/teams/{team_id}").json()["member_ids"] == []
        assert as_admin.delete(f"/api/v1/teams/{team_id}").status_code == 204
        assert as_admin.get(f"/api/v1/teams/{team_id}").status_code == 404

    def test_members_list_has_email_role_and_teams(self, as_admin, workspace):
        m = make_member(workspace, "teamed@acme.test", teams=["Sales"])
        items = {i["email"]: i for i in as_admin.get("/api/v1/members").json()["items"]}
        assert items["teamed@acme.test"]["role"] == "member"
        assert items["teamed@acme.test"]["id"] == m.user_id
        assert len(items["teamed@acme.test"]["team_ids"]) == 1

    def test_invite_change_role_and_remove(self, as_owner, member):
        invited = as_owner.post("/api/v1/members", {"email": "new@acme.test", "role": "admin"})
        assert invited.status_code == 201
        assert invited.json()["email"] == "new@acme.test"
        changed = as_owner.patch(f"/api/v1/members/{member.user_id}", {"role": "admin"})
        assert changed.status_code == 200
        assert changed.json()["role"] == "admin"
        assert (
            as_owner.patch(f"/api/v1/members/{member.user_id}", {"role": "boss"}).status_code == 422
        )
        assert as_owner.delete(f"/api/v1/members/{member.user_id}").status_code == 204
        assert as_owner.get(f"/api/v1/members/{member.user_id}").status_code == 404

    def test_tokens_list_create_and_show_last_use(self, as_member):
        created = as_member.post("/api/v1/tokens", {"name": "Zapier"})
        assert created.status_code == 201
        assert created.json()["token"].startswith("rpt_")
        items = as_member.get("/api/v1/tokens").json()["items"]
        assert {t["name"] for t in items} == {"test", "Zapier"}
        assert all("token" not in t for t in items)
        used = next(t for t in items if t["name"] == "test")
        assert used["last_used_at"] is not None


class TestModules:
    def test_get_and_patch_modules(self, as_admin):
        body = as_admin.get("/api/v1/settings/modules").json()
        assert body["note-summary"] is False
        assert body["projects"] is True
        after = as_admin.patch("/api/v1/settings/modules", {"projects": False}).json()
        assert after["projects"] is False
        assert as_admin.get("/api/v1/settings/modules").json()["projects"] is False

    @pytest.mark.parametrize("payload", [{"crm": True}, {"sales": "yes"}, {"sales": 1}])
    def test_bad_module_patches_are_422(self, as_admin, payload):
        assert as_admin.patch("/api/v1/settings/modules", payload).status_code == 422


class TestDocs:
    def test_openapi_is_served_and_names_the_endpoints(self, client):
        doc = client.get("/api/v1/openapi.json").json()
        assert doc["openapi"].startswith("3.")
        for path in ["/api/v1/me", "/api/v1/teams", "/api/v1/settings/categories/{kind}"]:
            assert path in doc["paths"]

    def test_the_docs_page_uses_no_cdn(self, client):
        html = client.get("/api/v1/docs").content.decode()
        assert "/static/ninja/" in html
        # Every script, style and link comes from here. (Searching the whole page for
        # "cdn" also matched the random CSRF token now and then.)
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
        assert urls
        assert all(url.startswith(("/", "#")) for url in urls), urls
        assert not [url for url in urls if "cdn" in url.lower()]
        assert not re.search(r"https?://", html.replace("http://testserver", ""))

    def test_unknown_api_paths_are_json_404(self, client):
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json()["detail"] == "Not found."

    def test_healthz_checks_the_database(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}


class TestOddIds:
    BIG = 99999999999999999999

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/teams/{big}",
            "/api/v1/members/{big}",
            "/api/v1/settings/categories/labels/{big}",
            "/api/v1/tokens/{big}",
            "/api/v1/teams/-1",
        ],
    )
    def test_out_of_range_ids_are_a_4xx(self, as_admin, path):
        for response in (
            as_admin.get(path.format(big=self.BIG)),
            as_admin.delete(path.format(big=self.BIG)),
        ):
            assert response.status_code in (404, 405, 422), path

    def test_out_of_range_ids_in_bodies_and_queries_are_422(self, as_admin, workspace):
        team = Team.objects.create(workspace=workspace, name="T")
        label = _category(workspace, "labels")
        responses = [
            as_admin.post(f"/api/v1/teams/{team.pk}/members", {"user_id": self.BIG}),
            as_admin.post("/api/v1/settings/categories/labels/reorder", {"ids": [self.BIG]}),
            as_admin.delete(f"/api/v1/settings/categories/labels/{label.pk}?move_to={self.BIG}"),
        ]
        assert [r.status_code for r in responses] == [422, 422, 422]


class TestReviewFindings:
    @pytest.mark.parametrize(
        "values",
        ['["abc"]', "[null]", "[[1]]", "[1e400]", '["x","y"]', "[99999999999999999999]", "[true]"],
    )
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/tokens",
            "/api/v1/teams",
            "/api/v1/members",
            "/api/v1/settings/categories/labels",
        ],
    )
    def test_forged_cursors_are_a_4xx(self, as_admin, path, values):
        import base64

        cursor = base64.urlsafe_b64encode(values.encode()).decode().rstrip("=")
        response = as_admin.get(f"{path}?cursor={cursor}")
        assert response.status_code in (400, 422)
        assert response.json()["errors"][0]["field"] == "cursor" or response.json()["detail"]

    def test_an_over_long_invite_email_is_422(self, as_admin):
        email = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "com"
        response = as_admin.post("/api/v1/members", {"email": email})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "email"

    def test_a_wrong_token_is_401_even_with_a_session(self, client, member):
        client.force_login(member.user)
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer rpt_wrong").status_code == 401
        assert client.get("/api/v1/me").status_code == 200

    def test_no_tokens_are_minted_or_revoked_while_impersonating(self, client, admin, member):
        from rapport.core.access import IMPERSONATION_KEY

        theirs = Api(client, member)
        token_id = theirs.get("/api/v1/tokens").json()["items"][0]["id"]
        client.force_login(admin.user)
        session = client.session
        session[IMPERSONATION_KEY] = {"workspace_id": admin.workspace_id, "user_id": member.user_id}
        session.save()
        assert client.get("/api/v1/me").json()["id"] == member.user_id
        assert (
            client.post("/api/v1/tokens", "{}", content_type="application/json").status_code == 403
        )
        assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 403
        assert theirs.get("/api/v1/me").status_code == 200


class TestInvitations:
    def test_admin_lists_and_withdraws_a_pending_invitation(self, as_admin, client):
        created = as_admin.post("/api/v1/members", {"email": "later@acme.test"}).json()
        listed = as_admin.get("/api/v1/invitations").json()["items"]
        assert [i["email"] for i in listed] == ["later@acme.test"]
        assert as_admin.delete(f"/api/v1/invitations/{created['id']}").status_code == 204
        assert as_admin.get("/api/v1/invitations").json()["items"] == []
        assert as_admin.delete(f"/api/v1/invitations/{created['id']}").status_code == 404

    def test_members_cannot_see_or_withdraw_invitations(self, as_admin, as_member):
        created = as_admin.post("/api/v1/members", {"email": "later@acme.test"}).json()
        assert as_member.get("/api/v1/invitations").status_code == 403
        assert as_member.delete(f"/api/v1/invitations/{created['id']}").status_code == 403

    def test_another_workspaces_invitation_is_404(self, as_owner, client, outsider):
        theirs = Api(client, outsider).post("/api/v1/members", {"email": "x@globex.test"}).json()
        assert as_owner.delete(f"/api/v1/invitations/{theirs['id']}").status_code == 404


def test_every_list_endpoint_costs_a_fixed_number_of_queries(
    as_admin, admin, workspace, django_assert_max_num_queries
):
    from rapport.core import services

    for i in range(25):
        services.invitation_create(workspace=workspace, actor=admin, email=f"i{i}@acme.test")
        services.token_create(workspace=workspace, actor=admin, name=f"t{i}")
        services.category_create(workspace=workspace, actor=admin, kind="labels", name=f"L{i}")
    for path in [
        "/api/v1/invitations",
        "/api/v1/tokens",
        "/api/v1/settings/categories/labels",
        "/api/v1/settings/modules",
    ]:
        with django_assert_max_num_queries(5):
            response = as_admin.get(path)
        assert response.status_code == 200, path
