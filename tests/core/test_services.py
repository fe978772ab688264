"""The rules of workspaces, members, teams, settings and tokens, told service by service."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from rapport.core import services
from rapport.core.categories import DEFAULTS, KINDS
from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.core.models import Activity, ApiToken, Category, Membership, Team, TeamMember
from tests.core.factories import make_member, make_user, make_workspace

pytestmark = pytest.mark.django_db


def _kind(workspace, kind):
    return list(Category.objects.filter(workspace=workspace, kind=kind).order_by("position", "id"))


class TestNewWorkspace:
    def test_it_gets_a_default_set_of_every_kind(self, workspace):
        for kind in KINDS:
            names = [c.name for c in _kind(workspace, kind)]
            assert names == [entry[2]["en"] for entry in DEFAULTS[kind]], kind

    def test_the_four_deal_statuses_are_locked_and_nothing_else(self, workspace):
        locked = Category.objects.filter(workspace=workspace, locked=True).order_by("position")
        assert [(c.kind, c.name) for c in locked] == [
            ("deal-statuses", "In progress"),
            ("deal-statuses", "Won"),
            ("deal-statuses", "Postponed"),
            ("deal-statuses", "Lost"),
        ]

    def test_defaults_are_in_the_owners_language(self, db):
        ws = make_workspace(name="Firma", owner_email="szef@firma.test", language="pl")
        assert [c.name for c in _kind(ws, "deal-statuses")] == [
            "W toku",
            "Wygrane",
            "Odroczone",
            "Przegrane",
        ]
        ws_nl = make_workspace(name="Bedrijf", owner_email="baas@bedrijf.test", language="nl")
        assert _kind(ws_nl, "sources")[1].name == "Doorverwijzing"

    def test_note_summary_starts_off_and_every_other_module_on(self, workspace):
        modules = workspace.enabled_modules()
        assert modules.pop("note-summary") is False
        assert set(modules.values()) == {True}

    def test_a_hosted_signup_gets_a_fourteen_day_trial(self, settings):
        settings.RAPPORT_SIGNUP = True
        user, ws = services.signup(
            email="new@startup.test",
            password="a-long-test-password-1",
            name="New",
            workspace_name="Startup",
        )
        assert ws.trial_days_left in (13, 14)
        assert Membership.objects.get(workspace=ws, user=user).role == "owner"

    def test_signup_is_refused_when_closed(self, settings, db):
        settings.RAPPORT_SIGNUP = False
        with pytest.raises(Forbidden):
            services.signup(
                email="x@y.test", password="a-long-test-password-1", name="X", workspace_name="Y"
            )

    def test_slugs_stay_unique(self, db):
        a = make_workspace(name="Same Name", owner_email="a@same.test")
        b = make_workspace(name="Same Name", owner_email="b@same.test")
        assert a.slug == "same-name"
        assert b.slug != a.slug
        assert b.slug.startswith("same-name-")

    def test_creating_it_is_recorded(self, workspace, owner):
        activity = Activity.objects.get(workspace=workspace, verb="workspace.created")
        assert activity.actor == owner.user


class TestCategories:
    def test_admin_adds_one_at_the_end(self, workspace, admin):
        category = services.category_create(
            workspace=workspace, actor=admin, kind="labels", name="Partner", color="#ABCDEF"
        )
        names = [c.name for c in _kind(workspace, "labels")]
        assert names[-1] == "Partner"
        assert category.color == "#abcdef"
        assert category.position == len(names) - 1

    def test_member_may_not_change_settings(self, workspace, member):
        with pytest.raises(Forbidden):
            services.category_create(workspace=workspace, actor=member, kind="labels", name="X")
        assert not Category.objects.filter(workspace=workspace, name="X").exists()

    def test_names_are_unique_within_a_kind_only(self, workspace, admin):
        with pytest.raises(Conflict) as exc:
            services.category_create(workspace=workspace, actor=admin, kind="labels", name="VIP")
        assert exc.value.field == "name"
        # The same name in another kind is fine.
        services.category_create(workspace=workspace, actor=admin, kind="sources", name="VIP")

    def test_renaming_to_an_existing_name_conflicts_and_changes_nothing(self, workspace, admin):
        vip, gold = _kind(workspace, "labels")[:2]
        with pytest.raises(Conflict):
            services.category_update(
                workspace=workspace, actor=admin, kind="labels", category_id=gold.pk, name="VIP"
            )
        gold.refresh_from_db()
        assert gold.name == "Gold client"

    @pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "", "#GGGGGG"])
    def test_a_bad_colour_is_invalid(self, workspace, admin, color):
        with pytest.raises(Invalid) as exc:
            services.category_create(
                workspace=workspace, actor=admin, kind="labels", name="New", color=color
            )
        assert exc.value.field == "color"

    @pytest.mark.parametrize("name", ["", "   ", "x" * 81, "nul\x00byte", "tab\there"])
    def test_a_bad_name_is_invalid(self, workspace, admin, name):
        with pytest.raises(Invalid):
            services.category_create(workspace=workspace, actor=admin, kind="labels", name=name)

    def test_locked_status_can_be_renamed_and_recoloured(self, workspace, admin):
        won = _kind(workspace, "deal-statuses")[1]
        services.category_update(
            workspace=workspace,
            actor=admin,
            kind="deal-statuses",
            category_id=won.pk,
            name="Signed",
            color="#000000",
        )
        won.refresh_from_db()
        assert (won.name, won.color, won.locked) == ("Signed", "#000000", True)

    def test_locked_status_cannot_be_deleted(self, workspace, owner):
        lost = _kind(workspace, "deal-statuses")[3]
        with pytest.raises(Conflict) as exc:
            services.category_delete(
                workspace=workspace, actor=owner, kind="deal-statuses", category_id=lost.pk
            )
        assert exc.value.code == "locked"
        assert Category.objects.filter(pk=lost.pk).exists()

    def test_an_unused_category_is_deleted_and_the_rest_close_ranks(self, workspace, admin):
        first = _kind(workspace, "sources")[0]
        services.category_delete(
            workspace=workspace, actor=admin, kind="sources", category_id=first.pk
        )
        positions = [c.position for c in _kind(workspace, "sources")]
        assert positions == list(range(len(DEFAULTS["sources"]) - 1))
        assert Activity.objects.filter(verb="category.deleted", target_id=first.pk).exists()

    def test_move_to_must_be_another_category_of_the_same_kind(self, workspace, admin):
        label = _kind(workspace, "labels")[0]
        source = _kind(workspace, "sources")[0]
        for move_to in (label.pk, source.pk):
            with pytest.raises(Invalid):
                services.category_delete(
                    workspace=workspace,
                    actor=admin,
                    kind="labels",
                    category_id=label.pk,
                    move_to=move_to,
                )
        assert Category.objects.filter(pk=label.pk).exists()

    def test_another_workspaces_category_is_not_found(self, workspace, admin, other_workspace):
        theirs = _kind(other_workspace, "labels")[0]
        for call in (
            lambda: services.category_update(
                workspace=workspace, actor=admin, kind="labels", category_id=theirs.pk, name="X"
            ),
            lambda: services.category_delete(
                workspace=workspace, actor=admin, kind="labels", category_id=theirs.pk
            ),
        ):
            with pytest.raises(NotFound):
                call()
        theirs.refresh_from_db()
        assert theirs.name == "VIP"

    def test_reorder_puts_them_in_the_given_order(self, workspace, admin):
        ids = [c.pk for c in _kind(workspace, "labels")]
        services.category_reorder(
            workspace=workspace, actor=admin, kind="labels", ids=list(reversed(ids))
        )
        assert [c.pk for c in _kind(workspace, "labels")] == list(reversed(ids))

    @pytest.mark.parametrize("mangle", [lambda ids: ids[:-1], lambda ids: ids + ids[:1]])
    def test_reorder_must_name_each_exactly_once(self, workspace, admin, mangle):
        ids = [c.pk for c in _kind(workspace, "labels")]
        with pytest.raises(Invalid):
            services.category_reorder(
                workspace=workspace, actor=admin, kind="labels", ids=mangle(ids)
            )
        assert [c.pk for c in _kind(workspace, "labels")] == ids

    def test_moving_down_swaps_with_the_next_one(self, workspace, admin):
        a, b, *rest = _kind(workspace, "labels")
        services.category_move(
            workspace=workspace, actor=admin, kind="labels", category_id=a.pk, offset=1
        )
        assert [c.pk for c in _kind(workspace, "labels")] == [b.pk, a.pk, *[c.pk for c in rest]]

    def test_a_kind_of_a_module_that_is_off_does_not_exist(self, workspace, admin):
        services.modules_update(workspace=workspace, actor=admin, values={"sales": False})
        workspace.refresh_from_db()
        with pytest.raises(NotFound):
            services.category_create(workspace=workspace, actor=admin, kind="deal-stages", name="X")

    def test_an_unknown_kind_does_not_exist(self, workspace, admin):
        with pytest.raises(NotFound):
            services.category_create(workspace=workspace, actor=admin, kind="nope", name="X")


class TestModules:
    def test_switching_off_is_recorded_with_old_and_new(self, workspace, admin):
        services.modules_update(workspace=workspace, actor=admin, values={"projects": False})
        workspace.refresh_from_db()
        assert workspace.module_enabled("projects") is False
        activity = Activity.objects.get(verb="settings.modules_changed")
        assert activity.changes == {"projects": [True, False]}

    def test_unknown_modules_and_non_booleans_are_invalid(self, workspace, admin):
        with pytest.raises(Invalid):
            services.modules_update(workspace=workspace, actor=admin, values={"crm": True})
        with pytest.raises(Invalid):
            services.modules_update(workspace=workspace, actor=admin, values={"sales": "yes"})
        workspace.refresh_from_db()
        assert workspace.module_enabled("sales") is True

    def test_paid_access_goes_off_with_the_portal(self, workspace, admin):
        result = services.modules_update(workspace=workspace, actor=admin, values={"portal": False})
        assert result["paid-access"] is False

    def test_paid_access_cannot_be_switched_on_without_the_portal(self, workspace, admin):
        with pytest.raises(Invalid):
            services.modules_update(
                workspace=workspace, actor=admin, values={"portal": False, "paid-access": True}
            )

    def test_members_cannot_switch_modules(self, workspace, member):
        with pytest.raises(Forbidden):
            services.modules_update(workspace=workspace, actor=member, values={"sales": False})


class TestMembers:
    def test_the_last_owner_cannot_be_demoted_or_removed(self, workspace, owner):
        with pytest.raises(Conflict):
            services.member_change_role(
                workspace=workspace, actor=owner, user_id=owner.user_id, role="admin"
            )
        with pytest.raises(Conflict):
            services.member_remove(workspace=workspace, actor=owner, user_id=owner.user_id)
        owner.refresh_from_db()
        assert owner.role == "owner"

    def test_an_admin_cannot_make_owners(self, workspace, admin, member):
        with pytest.raises(Forbidden):
            services.member_change_role(
                workspace=workspace, actor=admin, user_id=member.user_id, role="owner"
            )

    def test_an_admin_promotes_a_member_to_admin(self, workspace, admin, member):
        services.member_change_role(
            workspace=workspace, actor=admin, user_id=member.user_id, role="admin"
        )
        member.refresh_from_db()
        assert member.role == "admin"
        assert Activity.objects.get(verb="member.role_changed").changes == {
            "role": ["member", "admin"]
        }

    def test_removing_a_member_drops_their_teams_and_tokens(self, workspace, owner):
        m = make_member(workspace, "leaver@acme.test", teams=["Sales"])
        services.token_create(workspace=workspace, actor=m, name="t")
        services.member_remove(workspace=workspace, actor=owner, user_id=m.user_id)
        assert not Membership.objects.filter(pk=m.pk).exists()
        assert not TeamMember.objects.filter(user=m.user).exists()
        assert not ApiToken.objects.filter(user=m.user).exists()

    def test_a_member_of_another_workspace_is_not_found(self, workspace, owner, outsider):
        with pytest.raises(NotFound):
            services.member_change_role(
                workspace=workspace, actor=owner, user_id=outsider.user_id, role="member"
            )

    def test_invitation_is_emailed_and_accepted_with_a_new_password(
        self, workspace, admin, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            _inv, raw = services.invitation_create(
                workspace=workspace, actor=admin, email="New@Acme.test", role="member"
            )
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["new@acme.test"]
        assert f"http://rapport.test/invite/{raw}/" in mail.outbox[0].body
        membership = services.invitation_accept(
            raw_token=raw, user=None, name="New Person", password="another-long-pass-9"
        )
        assert membership.role == "member"
        assert membership.user.check_password("another-long-pass-9")
        with pytest.raises(NotFound):
            services.invitation_accept(raw_token=raw, user=None, password="x")

    def test_an_expired_invitation_is_not_valid(self, workspace, admin):
        inv, raw = services.invitation_create(workspace=workspace, actor=admin, email="e@x.test")
        inv.expires_at = timezone.now() - dt.timedelta(seconds=1)
        inv.save(update_fields=["expires_at"])
        with pytest.raises(NotFound):
            services.invitation_get(raw_token=raw)

    def test_an_invitation_for_someone_else_is_refused(self, workspace, admin, outsider):
        _inv, raw = services.invitation_create(workspace=workspace, actor=admin, email="x@x.test")
        with pytest.raises(Forbidden):
            services.invitation_accept(raw_token=raw, user=outsider.user)

    def test_inviting_an_existing_member_conflicts(self, workspace, admin, member):
        with pytest.raises(Conflict):
            services.invitation_create(workspace=workspace, actor=admin, email=member.user.email)

    def test_a_weak_password_is_refused(self, workspace, admin):
        _inv, raw = services.invitation_create(workspace=workspace, actor=admin, email="w@x.test")
        with pytest.raises(Invalid) as exc:
            services.invitation_accept(raw_token=raw, user=None, name="W", password="123")
        assert exc.value.field == "password"
        assert not Membership.objects.filter(user__email="w@x.test").exists()


class TestTeams:
    def test_admin_creates_renames_and_deletes_a_team(self, workspace, admin):
        team = services.team_create(workspace=workspace, actor=admin, name="Sales")
        services.team_update(workspace=workspace, actor=admin, team_id=team.pk, name="Revenue")
        team.refresh_from_db()
        assert team.name == "Revenue"
        services.team_delete(workspace=workspace, actor=admin, team_id=team.pk)
        assert not Team.objects.filter(pk=team.pk).exists()
        verbs = list(
            Activity.objects.filter(target_type="team")
            .order_by("id")
            .values_list("verb", flat=True)
        )
        assert verbs == ["team.created", "team.updated", "team.deleted"]

    def test_only_workspace_members_join_a_team(self, workspace, admin, member, outsider):
        team = services.team_create(workspace=workspace, actor=admin, name="Sales")
        services.team_member_add(
            workspace=workspace, actor=admin, team_id=team.pk, user_id=member.user_id
        )
        with pytest.raises(Invalid):
            services.team_member_add(
                workspace=workspace, actor=admin, team_id=team.pk, user_id=outsider.user_id
            )
        assert list(team.members.all()) == [member.user]

    def test_removing_someone_not_in_the_team_is_not_found(self, workspace, admin, member):
        team = services.team_create(workspace=workspace, actor=admin, name="Sales")
        with pytest.raises(NotFound):
            services.team_member_remove(
                workspace=workspace, actor=admin, team_id=team.pk, user_id=member.user_id
            )

    def test_a_member_cannot_create_teams(self, workspace, member):
        with pytest.raises(Forbidden):
            services.team_create(workspace=workspace, actor=member, name="Mine")


class TestImpersonation:
    def test_admin_may_act_as_a_member_and_it_is_recorded_as_both(self, workspace, admin, member):
        target = services.impersonation_start(
            workspace=workspace, actor=admin, user_id=member.user_id
        )
        target.acting_by = admin.user
        services.impersonation_stop(workspace=workspace, actor=target)
        activity = Activity.objects.get(verb="impersonation.stopped")
        assert (activity.actor, activity.acting_as) == (admin.user, member.user)

    def test_tokens_are_not_minted_while_impersonating(self, workspace, admin, member):
        target = services.impersonation_start(
            workspace=workspace, actor=admin, user_id=member.user_id
        )
        target.acting_by = admin.user
        with pytest.raises(Forbidden):
            services.token_create(workspace=workspace, actor=target, name="backdoor")
        assert not ApiToken.objects.filter(user=member.user).exists()

    @pytest.mark.parametrize(
        ("actor_role", "target_role"), [("admin", "admin"), ("admin", "owner")]
    )
    def test_nobody_acts_as_an_equal_or_higher_role(self, workspace, actor_role, target_role):
        actor = make_member(workspace, "actor@acme.test", role=actor_role)
        target = make_member(workspace, "target@acme.test", role=target_role)
        with pytest.raises(Forbidden):
            services.impersonation_start(workspace=workspace, actor=actor, user_id=target.user_id)

    def test_a_member_cannot_impersonate(self, workspace, member):
        other = make_member(workspace, "other@acme.test")
        with pytest.raises(Forbidden):
            services.impersonation_start(workspace=workspace, actor=member, user_id=other.user_id)

    def test_owner_may_act_as_an_admin(self, workspace, owner, admin):
        target = services.impersonation_start(
            workspace=workspace, actor=owner, user_id=admin.user_id
        )
        assert target.user == admin.user


class TestTokens:
    def test_only_the_hash_is_stored_and_the_token_authenticates(self, workspace, member):
        token, raw = services.token_create(workspace=workspace, actor=member, name="ci")
        assert raw not in (token.token_hash, token.prefix)
        assert token.prefix == raw[:10]
        found = services.token_authenticate(raw=raw)
        assert found.pk == token.pk
        assert found.last_used_at is not None

    def test_a_revoked_token_no_longer_authenticates(self, workspace, member):
        token, raw = services.token_create(workspace=workspace, actor=member, name="ci")
        services.token_revoke(workspace=workspace, actor=member, token_id=token.pk)
        assert services.token_authenticate(raw=raw) is None

    def test_nobody_revokes_someone_elses_token(self, workspace, owner, member):
        token, _raw = services.token_create(workspace=workspace, actor=member, name="ci")
        with pytest.raises(NotFound):
            services.token_revoke(workspace=workspace, actor=owner, token_id=token.pk)


class TestLoginThrottle:
    def test_five_failures_lock_the_email_out(self, settings, db):
        settings.LOGIN_FAILURE_LIMIT = 5
        for _ in range(4):
            services.login_failed(email="x@y.test")
        assert services.login_locked_until(email="X@Y.test") is None
        services.login_failed(email="x@y.test")
        assert services.login_locked_until(email="x@y.test") > timezone.now()

    def test_success_clears_the_count(self, db):
        services.login_failed(email="x@y.test")
        services.login_succeeded(email="x@y.test")
        for _ in range(4):
            services.login_failed(email="x@y.test")
        assert services.login_locked_until(email="x@y.test") is None


class TestUsers:
    def test_emails_are_unique_regardless_of_case(self, db):
        make_user("a@b.test")
        with pytest.raises(Conflict):
            services.user_create(email="A@B.test", password="a-long-test-password-1")

    def test_account_preferences_are_validated(self, db):
        user = make_user("a@b.test")
        with pytest.raises(Invalid):
            services.account_update(user=user, name="A", language="de", time_zone="UTC")
        with pytest.raises(Invalid):
            services.account_update(user=user, name="A", language="pl", time_zone="Mars/Base")
        services.account_update(user=user, name="A", language="pl", time_zone="Europe/Warsaw")
        user.refresh_from_db()
        assert (user.language, user.time_zone) == ("pl", "Europe/Warsaw")
