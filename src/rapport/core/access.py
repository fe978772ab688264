"""Resolving who is acting, in which workspace: the one door into tenant data.

The workspace comes from the URL (`/w/<slug>/`) or the API token, and the user's
membership of it. Impersonation swaps the membership for the impersonated member's and
marks it with the real person (`acting_by`), re-checking the right on every request.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from rapport.core.models import ROLE_RANK, Membership, User

IMPERSONATION_KEY = "rapport_impersonation"


def _membership(user: User, **lookup) -> Membership | None:
    return (
        Membership.objects.select_related("workspace", "user").filter(user=user, **lookup).first()
    )


def apply_impersonation(request: HttpRequest, real: Membership) -> Membership:
    """The membership to act as: the impersonated member's, if a valid impersonation runs."""
    state = request.session.get(IMPERSONATION_KEY)
    if not state or state.get("workspace_id") != real.workspace_id:
        return real
    target = _membership_by_user_id(real, state.get("user_id"))
    if target is None or not real.is_admin or ROLE_RANK[target.role] >= real.rank:
        # The right lapsed (role changed, member removed): end it rather than guess.
        request.session.pop(IMPERSONATION_KEY, None)
        return real
    target.acting_by = real.user
    return target


def _membership_by_user_id(real: Membership, user_id) -> Membership | None:
    if not isinstance(user_id, int):
        return None
    target = (
        Membership.objects.select_related("user")
        .filter(workspace_id=real.workspace_id, user_id=user_id)
        .first()
    )
    if target is not None:
        target.workspace = real.workspace
    return target


def resolve_membership(request: HttpRequest, slug: str) -> Membership:
    """The acting membership in workspace `slug`, or 404 for outsiders and unknown slugs."""
    real = _membership(request.user, workspace__slug=slug)
    if real is None:
        raise Http404("No such workspace.")
    return apply_impersonation(request, real)


def session_membership(request: HttpRequest) -> Membership | None:
    """For the API over a session: the workspace the user last worked in."""
    user = request.user
    real = None
    if user.last_workspace_id:
        real = _membership(user, workspace_id=user.last_workspace_id)
    if real is None:
        real = _membership(user)
    return apply_impersonation(request, real) if real else None


def workspace_view(*, module: str | None = None, admin: bool = False):
    """Decorate a view taking `slug`: logs in, resolves the membership, checks the module.

    The view gets `request.membership` and `request.workspace`. A module that is off is a
    404; an admin-only page is a 403 for members.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            membership = resolve_membership(request, slug)
            workspace = membership.workspace
            if module and not workspace.module_enabled(module):
                raise Http404("This module is switched off.")
            if admin and not membership.is_admin:
                raise PermissionDenied
            request.membership = membership
            request.workspace = workspace
            if request.user.last_workspace_id != workspace.pk:
                request.user.last_workspace = workspace
                request.user.save(update_fields=["last_workspace"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
