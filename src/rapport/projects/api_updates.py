"""Projects API: the updates of a task (comments with minutes, emailed on request).

Parse, call one service or selector, serialise. The module switched off, a task of
another workspace or an unknown id: 404. Writing needs project membership or the admin
role (403); the values themselves are checked by the service, so every bad body, bad
minutes or wrong `notify` answers 422 with the field named.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from rapport.core.api import Id, PageParams
from rapport.core.models import Membership
from rapport.core.pagination import keyset_page
from rapport.projects import selectors, selectors_updates
from rapport.projects.access import require_module
from rapport.projects.models import TaskUpdate
from rapport.projects.services import updates as services

router = Router(tags=["projects"])


def _actor(request: HttpRequest) -> Membership:
    actor = request.membership
    require_module(actor)
    return actor


class UpdateOut(Schema):
    id: int
    author_id: int | None
    body: str
    minutes: int | None
    notify: bool
    created_at: dt.datetime


class UpdatePage(Schema):
    items: list[UpdateOut]
    next: str | None


class UpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Typed loosely on purpose: the service checks them and names the field in its error.
    body: Any = None
    minutes: Any = None
    notify: Any = False


def _out(update: TaskUpdate) -> dict:
    return {
        "id": update.pk,
        "author_id": update.author_id,
        "body": update.body,
        "minutes": update.minutes,
        "notify": update.notify,
        "created_at": update.created_at,
    }


@router.get("/tasks/{task_id}/updates", response=UpdatePage)
def updates_list(request, task_id: Id, params: Query[PageParams]):
    """The task's updates, newest first."""
    actor = _actor(request)
    task = selectors.task_get(workspace=actor.workspace, actor=actor, task_id=task_id)
    page = keyset_page(
        selectors_updates.update_list(workspace=actor.workspace, actor=actor, task_id=task.pk),
        order=selectors_updates.UPDATE_ORDER,
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_out(u) for u in page.items], "next": page.next}


@router.post("/tasks/{task_id}/updates", response={201: UpdateOut})
def updates_create(request, task_id: Id, payload: UpdateIn):
    """Add an update. `minutes` only when the project tracks time (1 to 1440);
    `notify: true` emails a copy to the project's other members."""
    actor = _actor(request)
    update = services.add_update(
        workspace=actor.workspace,
        actor=actor,
        task_id=task_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return Status(201, _out(update))


@router.delete("/tasks/{task_id}/updates/{update_id}", response={204: None})
def updates_delete(request, task_id: Id, update_id: Id):
    """Delete an update (its author or an admin); its minutes leave the totals."""
    actor = _actor(request)
    services.delete_update(
        workspace=actor.workspace, actor=actor, task_id=task_id, update_id=update_id
    )
    return Status(204, None)
