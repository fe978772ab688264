"""Builders for core rows. They go through the services, as the product does."""

from rapport.core import services
from rapport.core.models import Membership, User, Workspace

PASSWORD = "a-long-test-password-1"


def make_user(email: str, *, name: str = "", language: str = "en") -> User:
    existing = User.objects.filter(email=email).first()
    return existing or services.user_create(
        email=email, password=PASSWORD, name=name, language=language
    )


def make_workspace(
    *, name: str, owner_email: str, language: str = "en", trial: bool = False
) -> Workspace:
    owner = make_user(owner_email, name=owner_email.split("@")[0].title(), language=language)
    workspace = services.workspace_create(name=name, owner=owner, trial=trial)
    workspace.owner_membership = Membership.objects.select_related("user", "workspace").get(
        workspace=workspace, user=owner
    )
    return workspace


def make_member(
    workspace: Workspace, email: str, *, role: str = "member", teams: list[str] | None = None
) -> Membership:
    user = make_user(email, name=email.split("@")[0].title())
    services.member_add(
        workspace=workspace, actor=None, user=user, role=role, team_names=teams or []
    )
    return Membership.objects.select_related("user", "workspace").get(
        workspace=workspace, user=user
    )


def token_for(membership: Membership) -> str:
    _token, raw = services.token_create(
        workspace=membership.workspace, actor=membership, name="test"
    )
    return raw
