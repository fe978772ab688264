"""What the operator's CLI does: no acting membership, the operator is trusted."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import services
from rapport.core.errors import Conflict, NotFound
from rapport.core.models import Membership, User, Workspace


def init(*, email: str, password: str, workspace: str, name: str = "") -> str:
    """Create the owner and the workspace; returns the workspace's slug."""
    with transaction.atomic():
        existing = User.objects.filter(email=(email or "").strip().lower()).first()
        if existing is None:
            user = services.user_create(email=email, password=password, name=name)
        elif existing.check_password(password):
            user = existing
        else:
            raise Conflict(_("A user with this email already exists (and the password differs)."))
        ws = services.workspace_create(name=workspace, owner=user)
    return ws.slug


def _workspace(slug: str) -> Workspace:
    ws = Workspace.objects.filter(slug=slug).first()
    if ws is None:
        raise NotFound(_("No workspace with the slug %(slug)s.") % {"slug": slug})
    return ws


def user_add(
    *, workspace_slug: str, email: str, password: str, role: str, teams: list[str], name: str = ""
) -> Membership:
    ws = _workspace(workspace_slug)
    with transaction.atomic():
        user = User.objects.filter(email=(email or "").strip().lower()).first()
        if user is None:
            user = services.user_create(email=email, password=password, name=name)
        return services.member_add(workspace=ws, actor=None, user=user, role=role, team_names=teams)


def token_create(*, email: str, workspace_slug: str | None, name: str) -> str:
    user = User.objects.filter(email=(email or "").strip().lower()).first()
    if user is None:
        raise NotFound(_("No user with this email."))
    memberships = Membership.objects.select_related("workspace", "user").filter(user=user)
    if workspace_slug:
        memberships = memberships.filter(workspace__slug=workspace_slug)
    membership = memberships.order_by("id").first()
    if membership is None:
        raise NotFound(_("This user is not a member of that workspace."))
    _token, raw = services.token_create(workspace=membership.workspace, actor=membership, name=name)
    return raw
