"""API for the caller, tokens, teams, members and settings. Parse, call, serialise."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rapport.core import selectors, services
from rapport.core.models import Category, Membership, Role, Team
from rapport.core.pagination import keyset_page

router = Router()

# Ids arrive as 64-bit integers; anything outside that is a 422, never a database error.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _actor(request: HttpRequest) -> Membership:
    return request.membership


# --- schemas ------------------------------------------------------------------------


class WorkspaceOut(Schema):
    id: int
    slug: str
    name: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    language: str
    workspace: WorkspaceOut


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class TokenIn(Schema):
    name: str = "API token"


class TeamOut(Schema):
    id: int
    name: str
    member_ids: list[int]


class TeamIn(Schema):
    name: str


class TeamMemberIn(Schema):
    user_id: Id


class MemberOut(Schema):
    id: int
    email: str
    name: str
    role: str
    team_ids: list[int]


class InviteIn(Schema):
    email: str
    role: Role = Role.MEMBER


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    expires_at: dt.datetime


class RoleIn(Schema):
    role: Role


class CategoryOut(Schema):
    id: int
    name: str
    color: str
    position: int
    locked: bool


class CategoryIn(Schema):
    name: str
    color: str = "#64748b"


class CategoryPatch(Schema):
    name: str | None = None
    color: str | None = None


class ReorderIn(Schema):
    ids: list[Id]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _page(items, next_cursor):
    return {"items": items, "next": next_cursor}


def _paged(queryset, *, order: tuple[str, ...], params: PageParams, serialise) -> dict:
    """One keyset page of `queryset`, each row through `serialise`, in the list shape."""
    page = keyset_page(queryset, order=order, limit=params.limit, cursor=params.cursor)
    return _page([serialise(row) for row in page.items], page.next)


def _team_out(team: Team) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "member_ids": [m.user_id for m in team.memberships.all()],
    }


def _member_out(member: Membership, team_ids: list[int]) -> dict:
    return {
        "id": member.user_id,
        "email": member.user.email,
        "name": member.user.name,
        "role": member.role,
        "team_ids": team_ids,
    }


def _category_out(category: Category) -> dict:
    return {
        "id": category.pk,
        "name": category.name,
        "color": category.color,
        "position": category.position,
        "locked": category.locked,
    }


# --- me and tokens ------------------------------------------------------------------


@router.get("/me", response=MeOut, tags=["account"])
def me(request):
    actor = _actor(request)
    user, workspace = actor.user, actor.workspace
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": actor.role,
        "language": user.language,
        "workspace": {"id": workspace.pk, "slug": workspace.slug, "name": workspace.name},
    }


@router.get("/tokens", response=dict, tags=["account"])
def tokens_list(request, params: Query[PageParams]):
    actor = _actor(request)
    return _paged(
        selectors.token_list(workspace=actor.workspace, actor=actor),
        order=("-id",),
        params=params,
        serialise=lambda t: TokenOut.from_orm(t).dict(),
    )


@router.post("/tokens", response={201: TokenCreatedOut}, tags=["account"])
def tokens_create(request, payload: TokenIn):
    actor = _actor(request)
    token, raw = services.token_create(workspace=actor.workspace, actor=actor, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, tags=["account"])
def tokens_revoke(request, token_id: Id):
    actor = _actor(request)
    services.token_revoke(workspace=actor.workspace, actor=actor, token_id=token_id)
    return Status(204, None)


# --- teams --------------------------------------------------------------------------


@router.get("/teams", response=dict, tags=["teams"])
def teams_list(request, params: Query[PageParams]):
    actor = _actor(request)
    return _paged(
        selectors.team_list(workspace=actor.workspace),
        order=("name", "id"),
        params=params,
        serialise=_team_out,
    )


@router.post("/teams", response={201: TeamOut}, tags=["teams"])
def teams_create(request, payload: TeamIn):
    actor = _actor(request)
    team = services.team_create(workspace=actor.workspace, actor=actor, name=payload.name)
    return Status(201, _team_out(selectors.team_get(workspace=actor.workspace, team_id=team.pk)))


@router.get("/teams/{team_id}", response=TeamOut, tags=["teams"])
def teams_get(request, team_id: Id):
    return _team_out(selectors.team_get(workspace=_actor(request).workspace, team_id=team_id))


@router.patch("/teams/{team_id}", response=TeamOut, tags=["teams"])
def teams_update(request, team_id: Id, payload: TeamIn):
    actor = _actor(request)
    services.team_update(workspace=actor.workspace, actor=actor, team_id=team_id, name=payload.name)
    return _team_out(selectors.team_get(workspace=actor.workspace, team_id=team_id))


@router.delete("/teams/{team_id}", response={204: None}, tags=["teams"])
def teams_delete(request, team_id: Id):
    actor = _actor(request)
    services.team_delete(workspace=actor.workspace, actor=actor, team_id=team_id)
    return Status(204, None)


@router.post("/teams/{team_id}/members", response={201: TeamOut}, tags=["teams"])
def teams_member_add(request, team_id: Id, payload: TeamMemberIn):
    actor = _actor(request)
    services.team_member_add(
        workspace=actor.workspace, actor=actor, team_id=team_id, user_id=payload.user_id
    )
    return Status(201, _team_out(selectors.team_get(workspace=actor.workspace, team_id=team_id)))


@router.delete("/teams/{team_id}/members/{user_id}", response={204: None}, tags=["teams"])
def teams_member_remove(request, team_id: Id, user_id: Id):
    actor = _actor(request)
    services.team_member_remove(
        workspace=actor.workspace, actor=actor, team_id=team_id, user_id=user_id
    )
    return Status(204, None)


# --- members ------------------------------------------------------------------------


def _team_ids_by_user(workspace, user_ids: list[int]) -> dict[int, list[int]]:
    from rapport.core.models import TeamMember

    result: dict[int, list[int]] = {uid: [] for uid in user_ids}
    rows = (
        TeamMember.objects.filter(workspace=workspace, user_id__in=user_ids)
        .order_by("team_id")
        .values_list("user_id", "team_id")
    )
    for user_id, team_id in rows:
        result[user_id].append(team_id)
    return result


@router.get("/members", response=dict, tags=["members"])
def members_list(request, params: Query[PageParams]):
    actor = _actor(request)
    page = keyset_page(
        selectors.membership_list(workspace=actor.workspace),
        order=("user_id",),
        limit=params.limit,
        cursor=params.cursor,
    )
    teams = _team_ids_by_user(actor.workspace, [m.user_id for m in page.items])
    return _page([_member_out(m, teams[m.user_id]) for m in page.items], page.next)


@router.post("/members", response={201: InvitationOut}, tags=["members"])
def members_invite(request, payload: InviteIn):
    """Invite by email: the invitee gets a link to set a password and join."""
    actor = _actor(request)
    invitation, _raw = services.invitation_create(
        workspace=actor.workspace, actor=actor, email=payload.email, role=payload.role
    )
    return Status(201, invitation)


@router.get("/invitations", response=dict, tags=["members"])
def invitations_list(request, params: Query[PageParams]):
    actor = _actor(request)
    return _paged(
        selectors.invitation_list(workspace=actor.workspace, actor=actor),
        order=("-id",),
        params=params,
        serialise=lambda i: InvitationOut.from_orm(i).dict(),
    )


@router.delete("/invitations/{invitation_id}", response={204: None}, tags=["members"])
def invitations_cancel(request, invitation_id: Id):
    actor = _actor(request)
    services.invitation_cancel(workspace=actor.workspace, actor=actor, invitation_id=invitation_id)
    return Status(204, None)


@router.get("/members/{user_id}", response=MemberOut, tags=["members"])
def members_get(request, user_id: Id):
    actor = _actor(request)
    member = selectors.membership_get(workspace=actor.workspace, user_id=user_id)
    return _member_out(member, _team_ids_by_user(actor.workspace, [user_id])[user_id])


@router.patch("/members/{user_id}", response=MemberOut, tags=["members"])
def members_change_role(request, user_id: Id, payload: RoleIn):
    actor = _actor(request)
    member = services.member_change_role(
        workspace=actor.workspace, actor=actor, user_id=user_id, role=payload.role
    )
    return _member_out(member, _team_ids_by_user(actor.workspace, [user_id])[user_id])


@router.delete("/members/{user_id}", response={204: None}, tags=["members"])
def members_remove(request, user_id: Id):
    actor = _actor(request)
    services.member_remove(workspace=actor.workspace, actor=actor, user_id=user_id)
    return Status(204, None)


# --- settings -----------------------------------------------------------------------


@router.get("/settings/modules", response=dict[str, bool], tags=["settings"])
def modules_get(request):
    actor = _actor(request)
    return selectors.modules_for(workspace=actor.workspace, actor=actor)


@router.patch("/settings/modules", response=dict[str, bool], tags=["settings"])
def modules_patch(request, payload: Body[dict[str, StrictBool]]):
    actor = _actor(request)
    return services.modules_update(workspace=actor.workspace, actor=actor, values=payload)


@router.get("/settings/categories/{kind}", response=dict, tags=["settings"])
def categories_list(request, kind: str, params: Query[PageParams]):
    actor = _actor(request)
    return _paged(
        selectors.category_list(workspace=actor.workspace, actor=actor, kind=kind),
        order=("position", "id"),
        params=params,
        serialise=_category_out,
    )


@router.post("/settings/categories/{kind}", response={201: CategoryOut}, tags=["settings"])
def categories_create(request, kind: str, payload: CategoryIn):
    actor = _actor(request)
    category = services.category_create(
        workspace=actor.workspace, actor=actor, kind=kind, name=payload.name, color=payload.color
    )
    return Status(201, _category_out(category))


@router.post("/settings/categories/{kind}/reorder", response=dict, tags=["settings"])
def categories_reorder(request, kind: str, payload: ReorderIn):
    actor = _actor(request)
    rows = services.category_reorder(
        workspace=actor.workspace, actor=actor, kind=kind, ids=payload.ids
    )
    return _page([_category_out(c) for c in rows], None)


@router.get("/settings/categories/{kind}/{category_id}", response=CategoryOut, tags=["settings"])
def categories_get(request, kind: str, category_id: Id):
    actor = _actor(request)
    return _category_out(
        selectors.category_get(
            workspace=actor.workspace, actor=actor, kind=kind, category_id=category_id
        )
    )


@router.patch("/settings/categories/{kind}/{category_id}", response=CategoryOut, tags=["settings"])
def categories_update(request, kind: str, category_id: Id, payload: CategoryPatch):
    actor = _actor(request)
    category = services.category_update(
        workspace=actor.workspace,
        actor=actor,
        kind=kind,
        category_id=category_id,
        name=payload.name,
        color=payload.color,
    )
    return _category_out(category)


@router.delete("/settings/categories/{kind}/{category_id}", response={204: None}, tags=["settings"])
def categories_delete(request, kind: str, category_id: Id, move_to: Id | None = None):
    actor = _actor(request)
    services.category_delete(
        workspace=actor.workspace, actor=actor, kind=kind, category_id=category_id, move_to=move_to
    )
    return Status(204, None)
