"""Reads that are more than a `get`: always scoped to one workspace first."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.core.models import (
    Activity,
    ApiToken,
    Category,
    Invitation,
    Membership,
    Team,
    TeamMember,
    User,
    Workspace,
)
from rapport.core.services import require_admin, require_kind


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user")


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("workspace")
        .order_by("workspace__name", "workspace_id")
    )


def membership_get(*, workspace: Workspace, user_id: int) -> Membership:
    member = membership_list(workspace=workspace).filter(user_id=user_id).first()
    if member is None:
        raise NotFound(_("No such member."))
    return member


def team_list(*, workspace: Workspace) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).prefetch_related(
        Prefetch(
            "memberships",
            queryset=TeamMember.objects.select_related("user").order_by("user__email"),
        )
    )


def team_get(*, workspace: Workspace, team_id: int) -> Team:
    team = team_list(workspace=workspace).filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("No such team."))
    return team


def teams_of(*, workspace: Workspace, user: User) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace, memberships__user=user).order_by("name")


def category_list(*, workspace: Workspace, actor: Membership, kind: str) -> QuerySet[Category]:
    require_admin(actor)
    require_kind(workspace, kind)
    return Category.objects.filter(workspace=workspace, kind=kind)


def category_get(
    *, workspace: Workspace, actor: Membership, kind: str, category_id: int
) -> Category:
    category = (
        category_list(workspace=workspace, actor=actor, kind=kind).filter(pk=category_id).first()
    )
    if category is None:
        raise NotFound(_("No such category."))
    return category


def token_list(*, workspace: Workspace, actor: Membership) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(workspace=workspace, user=actor.user)


def modules_for(*, workspace: Workspace, actor: Membership) -> dict[str, bool]:
    """The module switches, as the settings page and API show them: admins only."""
    require_admin(actor)
    return workspace.enabled_modules()


def invitation_list(*, workspace: Workspace, actor: Membership) -> QuerySet[Invitation]:
    require_admin(actor)
    return invitation_pending(workspace=workspace)


def invitation_pending(*, workspace: Workspace) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def activity_list(*, workspace: Workspace, actor: Membership) -> QuerySet[Activity]:
    """The workspace's audit log: admins only."""
    require_admin(actor)
    return Activity.objects.filter(workspace=workspace).select_related("actor", "acting_as")
