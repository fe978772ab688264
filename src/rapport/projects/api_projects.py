"""Projects API: `/projects` and `/projects/{project_id}`. Parse, call, serialise.

Every staff member reads every project of the workspace; writes go through the services,
which refuse non-members (403) and bad fields (422). The module switched off, or another
workspace's id, is a 404. `contact_ids` lists only the contacts the caller may see.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool

from rapport.core.api import Id, PageParams
from rapport.core.errors import NotFound
from rapport.core.models import Membership
from rapport.core.pagination import keyset_page
from rapport.projects import selectors_projects as reads
from rapport.projects.models import Project
from rapport.projects.services import projects as services

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    name: str
    description: str
    status: str
    company_id: int | None
    member_ids: list[int]
    contact_ids: list[int]
    company_ids: list[int]
    track_time: bool
    emails_from: str
    minutes_total: int
    can_edit: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ProjectPage(Schema):
    items: list[ProjectOut]
    next: str | None


class ProjectIn(Schema):
    """Writable fields. On PATCH only the keys sent change. `contact_ids` replaces the
    contacts the caller can see; links to contacts hidden from them stay."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    status: str | None = None
    company_id: Id | None = None
    member_ids: list[Id] | None = None
    contact_ids: list[Id] | None = None
    company_ids: list[Id] | None = None
    track_time: StrictBool | None = None
    emails_from: str | None = None


class ProjectListParams(PageParams):
    """`status` (active, on_hold, done; commas for several), `company` (id or none),
    `member` (user id or me), `q` (name contains), `sort` (name, -name, created, -created)."""

    status: str | None = None
    company: str | None = None
    member: str | None = None
    q: str | None = None
    sort: str | None = None


def _actor(request: HttpRequest) -> Membership:
    return request.membership


def project_out(project: Project, actor: Membership) -> dict:
    """One project in the API's shape; expects `with_project_details` rows."""
    member_ids = [m.user_id for m in project.member_rows]
    return {
        "id": project.pk,
        "name": project.name,
        "description": project.description,
        "status": project.status,
        "company_id": project.company_id,
        "member_ids": member_ids,
        "contact_ids": [c.contact_id for c in project.visible_contact_rows],
        "company_ids": [c.company_id for c in project.company_rows],
        "track_time": project.track_time,
        "emails_from": project.emails_from,
        "minutes_total": project.minutes_total,
        "can_edit": actor.is_admin or actor.user_id in member_ids,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


def _one(actor: Membership, project_id: int) -> dict:
    project = (
        reads.project_list(workspace=actor.workspace, actor=actor, parsed=reads.ProjectFilter())
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound("Project not found.")
    return project_out(project, actor)


@router.get("/projects", response=ProjectPage)
def projects_list(request, params: Query[ProjectListParams]):
    actor = _actor(request)
    parsed = reads.project_filter(
        actor=actor,
        params=params.model_dump(include={"status", "company", "member", "q", "sort"}),
    )
    page = keyset_page(
        reads.project_list(workspace=actor.workspace, actor=actor, parsed=parsed),
        order=parsed.order,
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [project_out(p, actor) for p in page.items], "next": page.next}


@router.post("/projects", response={201: ProjectOut})
def projects_create(request, payload: ProjectIn):
    """Start a project; the caller becomes a member. `name` and `emails_from` are required."""
    actor = _actor(request)
    project = services.create_project(
        workspace=actor.workspace, actor=actor, data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, _one(actor, project.pk))


@router.get("/projects/{project_id}", response=ProjectOut)
def projects_get(request, project_id: Id):
    actor = _actor(request)
    return _one(actor, project_id)


@router.patch("/projects/{project_id}", response=ProjectOut)
def projects_update(request, project_id: Id, payload: ProjectIn):
    """Change the fields sent; members of the project and admins only (403 otherwise)."""
    actor = _actor(request)
    services.update_project(
        workspace=actor.workspace,
        actor=actor,
        project_id=project_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return _one(actor, project_id)


@router.delete("/projects/{project_id}", response={204: None})
def projects_delete(request, project_id: Id):
    """Delete the project with its phases, tasks and updates (members and admins only)."""
    actor = _actor(request)
    services.delete_project(workspace=actor.workspace, actor=actor, project_id=project_id)
    return Status(204, None)
