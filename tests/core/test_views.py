"""The UI shell: signing in, accounts, settings pages, modules, impersonation."""

import re

import pytest
from django.core import mail
from django.test import Client

from rapport.core.access import IMPERSONATION_KEY
from rapport.core.models import Activity, Category, Membership
from tests.core.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


def _login(client, membership):
    client.force_login(membership.user)
    return client


def ws_url(workspace, rest=""):
    return f"/w/{workspace.slug}/{rest}"


class TestLogin:
    def test_it_logs_in_with_email_and_password(self, client, member):
        response = client.post("/login/", {"username": "MEMBER@acme.test", "password": PASSWORD})
        assert response.status_code == 302
        home = client.get("/", follow=True)
        assert home.redirect_chain[-1][0] == ws_url(member.workspace)

    def test_a_wrong_password_says_so_and_does_not_log_in(self, client, member):
        response = client.post("/login/", {"username": "member@acme.test", "password": "nope"})
        assert response.status_code == 200
        assert "do not match" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_repeated_failures_lock_out_with_a_clear_message(self, client, member, settings):
        settings.LOGIN_FAILURE_LIMIT = 3
        for _ in range(3):
            client.post("/login/", {"username": "member@acme.test", "password": "nope"})
        response = client.post("/login/", {"username": "member@acme.test", "password": PASSWORD})
        assert response.status_code == 429
        assert "Too many failed attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_pages_need_a_login(self, client, workspace):
        response = client.get(ws_url(workspace))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_logout_is_a_post(self, client, member):
        _login(client, member)
        assert client.post("/logout/").status_code == 302
        assert "_auth_user_id" not in client.session


class TestPasswordReset:
    def test_the_emailed_link_sets_a_new_password(self, client, member):
        client.post("/password-reset/", {"email": "member@acme.test"})
        assert len(mail.outbox) == 1
        link = re.search(r"http://rapport\.test(/password-reset/\S+/)", mail.outbox[0].body)
        assert link
        form = client.get(link.group(1), follow=True)
        assert form.status_code == 200
        new = "brand-new-password-77"
        done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        assert done.status_code == 302
        member.user.refresh_from_db()
        assert member.user.check_password(new)

    def test_an_unknown_email_sends_nothing_and_reveals_nothing(self, client, db):
        response = client.post("/password-reset/", {"email": "ghost@nowhere.test"})
        assert response.status_code == 302
        assert mail.outbox == []


class TestAccount:
    def test_language_and_time_zone_are_saved_and_used(self, client, member):
        _login(client, member)
        url = ws_url(member.workspace, "account/")
        response = client.post(url, {"name": "M", "language": "pl", "time_zone": "Europe/Warsaw"})
        assert response.status_code == 302
        page = client.get(url)
        assert page["Content-Language"] == "pl"
        assert '<html lang="pl">' in page.content.decode()

    def test_a_bad_time_zone_is_an_inline_error(self, client, member):
        _login(client, member)
        response = client.post(
            ws_url(member.workspace, "account/"),
            {"name": "M", "language": "en", "time_zone": "Mars/Base"},
        )
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()

    def test_password_change(self, client, member):
        _login(client, member)
        new = "changed-password-88"
        response = client.post(
            ws_url(member.workspace, "account/password/"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302
        member.user.refresh_from_db()
        assert member.user.check_password(new)

    def test_token_is_shown_once_and_revocable(self, client, member):
        _login(client, member)
        url = ws_url(member.workspace, "account/tokens/")
        page = client.post(url, {"name": "Zapier"}).content.decode()
        raw = re.search(r"(rpt_[\w-]+)", page).group(1)
        api = Client()
        assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
        assert raw not in client.get(url).content.decode()
        token_id = member.user.api_tokens.get().pk
        client.post(ws_url(member.workspace, f"account/tokens/{token_id}/revoke/"))
        assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


class TestWorkspaceAccess:
    def test_another_workspace_is_404(self, client, member, other_workspace):
        _login(client, member)
        assert client.get(ws_url(other_workspace)).status_code == 404
        assert client.get(ws_url(other_workspace, "settings/")).status_code == 404

    def test_members_see_no_settings_and_get_403(self, client, member):
        _login(client, member)
        home = client.get(ws_url(member.workspace)).content.decode()
        assert 'data-nav="settings"' not in home
        for page in [
            "settings/",
            "settings/modules/",
            "settings/categories/labels/",
            "settings/members/",
            "settings/teams/",
            "settings/activity/",
        ]:
            assert client.get(ws_url(member.workspace, page)).status_code == 403, page

    def test_the_switcher_lists_each_workspace_of_the_user(self, client, member, other_workspace):
        make_member(other_workspace, member.user.email)
        _login(client, member)
        html = client.get(ws_url(member.workspace)).content.decode()
        assert f'href="/w/{other_workspace.slug}/"' in html
        assert f'href="/w/{member.workspace.slug}/"' in html

    def test_home_remembers_the_last_workspace(self, client, member, other_workspace):
        make_member(other_workspace, member.user.email)
        _login(client, member)
        client.get(ws_url(other_workspace))
        assert client.get("/")["Location"] == ws_url(other_workspace)

    def test_pages_cost_a_fixed_number_of_queries(
        self, client, admin, django_assert_max_num_queries
    ):
        for i in range(20):
            make_member(admin.workspace, f"p{i}@acme.test", teams=[f"T{i % 4}"])
        _login(client, admin)
        for page in [
            "",
            "settings/members/",
            "settings/teams/",
            "settings/categories/labels/",
            "settings/activity/",
            "settings/modules/",
        ]:
            with django_assert_max_num_queries(16):
                assert client.get(ws_url(admin.workspace, page)).status_code == 200, page


class TestModules:
    def test_a_module_switched_off_leaves_the_nav_and_its_page_is_404(self, client, admin):
        _login(client, admin)
        ws = admin.workspace
        assert 'data-module="projects"' in client.get(ws_url(ws)).content.decode()
        assert client.get(ws_url(ws, "projects/")).status_code == 200
        data = {
            key: "on" for key in ws.enabled_modules() if key not in ("projects", "note-summary")
        }
        client.post(ws_url(ws, "settings/modules/"), data)
        assert 'data-module="projects"' not in client.get(ws_url(ws)).content.decode()
        assert client.get(ws_url(ws, "projects/")).status_code == 404
        assert 'data-module="tickets"' in client.get(ws_url(ws)).content.decode()


class TestCategoriesPage:
    def test_adding_a_duplicate_shows_an_inline_error(self, client, admin):
        _login(client, admin)
        url = ws_url(admin.workspace, "settings/categories/labels/")
        response = client.post(url, {"name": "VIP", "color": "#123456"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert "already exists" in response.content.decode()
        assert Category.objects.filter(workspace=admin.workspace, name="VIP").count() == 1

    def test_htmx_add_returns_the_list_partial(self, client, admin):
        _login(client, admin)
        url = ws_url(admin.workspace, "settings/categories/labels/")
        response = client.post(url, {"name": "Partner", "color": "#123456"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div class="card" id="category-list">')
        assert 'value="Partner"' in html

    def test_deleting_a_locked_status_explains_why(self, client, owner):
        _login(client, owner)
        won = Category.objects.get(workspace=owner.workspace, kind="deal-statuses", name="Won")
        url = ws_url(owner.workspace, f"settings/categories/deal-statuses/{won.pk}/delete/")
        response = client.post(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert "system status" in response.content.decode()
        assert Category.objects.filter(pk=won.pk).exists()

    def test_another_workspaces_category_is_404(self, client, admin, other_workspace):
        _login(client, admin)
        theirs = Category.objects.filter(workspace=other_workspace, kind="labels").first()
        url = ws_url(admin.workspace, f"settings/categories/labels/{theirs.pk}/delete/")
        assert client.post(url).status_code == 404
        assert Category.objects.filter(pk=theirs.pk).exists()

    def test_a_kind_of_a_switched_off_module_is_404(self, client, admin):
        _login(client, admin)
        ws = admin.workspace
        ws.modules = {**ws.modules, "sales": False}
        ws.save()
        assert client.get(ws_url(ws, "settings/categories/deal-stages/")).status_code == 404


class TestInvitations:
    def test_an_invitee_sets_a_password_and_lands_in_the_workspace(
        self, client, admin, django_capture_on_commit_callbacks
    ):
        _login(client, admin)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                ws_url(admin.workspace, "settings/members/"),
                {"email": "newbie@acme.test", "role": "member"},
            )
        path = re.search(r"http://rapport\.test(/invite/\S+/)", mail.outbox[0].body).group(1)
        invitee = Client()
        assert invitee.get(path).status_code == 200
        response = invitee.post(path, {"name": "Newbie", "password": "newbie-password-55"})
        assert response.status_code == 302
        assert response["Location"] == ws_url(admin.workspace)
        assert Membership.objects.get(user__email="newbie@acme.test").role == "member"

    def test_a_bad_invitation_link_is_a_friendly_404(self, client, db):
        response = client.get("/invite/not-a-token/")
        assert response.status_code == 404
        assert "not valid any more" in response.content.decode()


class TestSignup:
    def test_signup_is_closed_by_default(self, client, db):
        assert client.get("/signup/").status_code == 404

    def test_signup_creates_a_workspace_on_trial(self, client, settings, db):
        settings.RAPPORT_SIGNUP = True
        response = client.post(
            "/signup/",
            {
                "name": "Founder",
                "email": "founder@new.test",
                "password": "founder-pass-123",
                "workspace": "New Co",
                "language": "nl",
            },
        )
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "14" in page or "13" in page
        membership = Membership.objects.get(user__email="founder@new.test")
        assert membership.role == "owner"
        assert (
            Category.objects.get(
                workspace=membership.workspace, kind="deal-statuses", system_key="won"
            ).name
            == "Gewonnen"
        )


class TestImpersonation:
    def test_admin_acts_as_a_member_sees_the_banner_and_stops(self, client, admin, member):
        _login(client, admin)
        ws = admin.workspace
        client.post(ws_url(ws, f"impersonate/{member.user_id}/"))
        assert client.session[IMPERSONATION_KEY]["user_id"] == member.user_id
        home = client.get(ws_url(ws)).content.decode()
        assert 'id="impersonation-banner"' in home
        assert 'data-nav="settings"' not in home
        assert client.get(ws_url(ws, "settings/")).status_code == 403
        # The API over the session acts as the member too.
        assert client.get("/api/v1/me").json()["id"] == member.user_id
        client.post(ws_url(ws, "impersonate/stop/"))
        assert IMPERSONATION_KEY not in client.session
        assert 'id="impersonation-banner"' not in client.get(ws_url(ws)).content.decode()
        verbs = list(
            Activity.objects.filter(workspace=ws, verb__startswith="impersonation")
            .order_by("id")
            .values_list("verb", "actor", "acting_as")
        )
        assert verbs == [
            ("impersonation.started", admin.user_id, None),
            ("impersonation.stopped", admin.user_id, member.user_id),
        ]

    def test_a_member_cannot_impersonate(self, client, member, admin):
        _login(client, member)
        client.post(ws_url(member.workspace, f"impersonate/{admin.user_id}/"))
        assert IMPERSONATION_KEY not in client.session

    def test_an_admin_cannot_act_as_the_owner(self, client, admin, owner):
        _login(client, admin)
        client.post(ws_url(admin.workspace, f"impersonate/{owner.user_id}/"))
        assert IMPERSONATION_KEY not in client.session

    def test_impersonation_ends_if_the_admin_is_demoted(self, client, admin, member, owner):
        from rapport.core import services

        _login(client, admin)
        client.post(ws_url(admin.workspace, f"impersonate/{member.user_id}/"))
        services.member_change_role(
            workspace=admin.workspace, actor=owner, user_id=admin.user_id, role="member"
        )
        client.get(ws_url(admin.workspace))
        assert IMPERSONATION_KEY not in client.session


class TestSearch:
    def test_search_finds_people_and_teams_of_this_workspace_only(self, client, admin, outsider):
        make_member(admin.workspace, "zed@acme.test", teams=["Zebra team"])
        _login(client, admin)
        html = client.get(ws_url(admin.workspace, "search/?q=ze")).content.decode()
        assert "zed@acme.test" in html
        assert "Zebra team" in html
        html = client.get(ws_url(admin.workspace, "search/?q=globex")).content.decode()
        assert outsider.user.email not in html


class TestOddInput:
    def test_huge_ids_in_urls_and_forms_never_break_a_page(self, client, admin):
        _login(client, admin)
        ws = admin.workspace
        big = "9" * 25
        for path in [
            f"settings/categories/labels/{big}/delete/",
            f"settings/members/{big}/role/",
            f"settings/teams/{big}/rename/",
            f"impersonate/{big}/",
            f"account/tokens/{big}/revoke/",
        ]:
            assert client.post(ws_url(ws, path), {"role": "admin"}).status_code == 404, path
        label = Category.objects.filter(workspace=ws, kind="labels").first()
        response = client.post(
            ws_url(ws, f"settings/categories/labels/{label.pk}/delete/"), {"move_to": big}
        )
        assert response.status_code == 302
        team = admin.workspace  # any team id: creates one below
        from rapport.core.models import Team

        team = Team.objects.create(workspace=ws, name="T")
        for value in (big, "²", "-3", ""):
            response = client.post(ws_url(ws, f"settings/teams/{team.pk}/add/"), {"user_id": value})
            assert response.status_code == 302

    def test_odd_logins_and_searches_are_answered(self, client, admin):
        for username in ("a" * 300 + "@x.test", "nul\x00@x.test"):
            response = client.post("/login/", {"username": username, "password": "x"})
            assert response.status_code == 200
        _login(client, admin)
        assert (
            client.get(ws_url(admin.workspace, "settings/activity/?cursor=zzz")).status_code == 404
        )
        assert client.get(ws_url(admin.workspace, "search/?q=%00")).status_code == 200


class TestReviewFindings:
    def test_a_member_gets_403_on_impersonation(self, client, member, admin):
        _login(client, member)
        assert (
            client.post(ws_url(member.workspace, f"impersonate/{admin.user_id}/")).status_code
            == 403
        )

    def test_accepting_someone_elses_invitation_with_an_empty_body_is_refused_politely(
        self, client, admin, outsider
    ):
        from rapport.core import services

        _inv, raw = services.invitation_create(
            workspace=admin.workspace, actor=admin, email="someone@else.test"
        )
        _login(client, outsider)
        response = client.post(f"/invite/{raw}/")
        assert response.status_code == 200
        assert "another email address" in response.content.decode()
        assert not Membership.objects.filter(workspace=admin.workspace, user=outsider.user).exists()

    def test_a_forged_activity_cursor_is_404(self, client, admin):
        import base64

        _login(client, admin)
        cursor = base64.urlsafe_b64encode(b'["x","y"]').decode().rstrip("=")
        assert (
            client.get(ws_url(admin.workspace, f"settings/activity/?cursor={cursor}")).status_code
            == 404
        )


class TestWithdrawInvitation:
    def test_a_withdrawn_invitation_link_stops_working(self, client, admin):
        from rapport.core import services

        invitation, raw = services.invitation_create(
            workspace=admin.workspace, actor=admin, email="gone@acme.test"
        )
        _login(client, admin)
        page = client.get(ws_url(admin.workspace, "settings/members/")).content.decode()
        assert "gone@acme.test" in page
        client.post(ws_url(admin.workspace, f"settings/invitations/{invitation.pk}/cancel/"))
        assert Client().get(f"/invite/{raw}/").status_code == 404
