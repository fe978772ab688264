"""API for user lists: the definitions, and their members as the caller may see them.

Parse, call one service or selector, serialise. Members are worked out on every request
(nothing is stored), through the contact visibility rule, so the same list answers each
caller with only the contacts they may see. With the module switched off every path is
a 404, as the pages are.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from rapport.core.api import Id, PageParams
from rapport.core.errors import NotFound
from rapport.core.models import Membership
from rapport.core.pagination import keyset_page
from rapport.customers.api import ContactPage, _contact_out
from rapport.customers.selectors import with_contact_details
from rapport.dataio import exporting
from rapport.lists import downloads, selectors, services
from rapport.lists.models import UserList

router = Router(tags=["lists"])

MODULE = "lists"


def _actor(request: HttpRequest) -> Membership:
    actor = request.membership
    if not actor.workspace.module_enabled(MODULE):
        raise NotFound(_("The user lists module is switched off."))
    return actor


class ErrorOut(Schema):
    field: str | None
    message: str


class ListOut(Schema):
    id: int
    name: str
    description: str
    filter: dict[str, str]
    # Members the caller may see right now; null when the filter can no longer run.
    count: int | None
    # Why the filter cannot run (it names a deleted label, custom field, ...); empty if fine.
    errors: list[ErrorOut]
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ListPage(Schema):
    items: list[ListOut]
    next: str | None


class ListIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    filter: dict[str, Any] | None = None


class CsvParams(Schema):
    columns: str | None = None


def _out(actor: Membership, user_list: UserList, read: selectors.ListFilter) -> dict:
    count = None
    if read.usable:
        members = selectors.user_list_members(workspace=actor.workspace, actor=actor, read=read)
        count = members.count()
    return {
        "id": user_list.pk,
        "name": user_list.name,
        "description": user_list.description,
        "filter": user_list.filter,
        "count": count,
        "errors": read.errors,
        "created_by_id": user_list.created_by_id,
        "created_at": user_list.created_at,
        "updated_at": user_list.updated_at,
    }


def _outs(actor: Membership, lists: list[UserList]) -> list[dict]:
    reads = selectors.read_filter_many(
        workspace=actor.workspace, actor=actor, filters=[ul.filter for ul in lists]
    )
    return [_out(actor, ul, read) for ul, read in zip(lists, reads, strict=True)]


def _one(actor: Membership, list_id: int) -> UserList:
    return selectors.user_list_get(workspace=actor.workspace, actor=actor, list_id=list_id)


def _members(actor: Membership, user_list: UserList):
    """The list's members for the caller, ordered; 422 with the errors when it cannot run."""
    read = selectors.read_filter(workspace=actor.workspace, actor=actor, params=user_list.filter)
    members = selectors.user_list_members(workspace=actor.workspace, actor=actor, read=read)
    return members, read.parsed.order


@router.get("", response=ListPage)
def lists_list(request, params: Query[PageParams]):
    """Every list of the workspace by name. Each item's `count` is one COUNT over the
    caller's visible contacts, so a page costs one query per list on it."""
    actor = _actor(request)
    page = keyset_page(
        selectors.user_list_all(workspace=actor.workspace, actor=actor),
        order=("name_key", "id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": _outs(actor, page.items), "next": page.next}


@router.post("", response={201: ListOut})
def lists_create(request, payload: ListIn):
    actor = _actor(request)
    user_list = services.user_list_create(
        workspace=actor.workspace, actor=actor, data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, _outs(actor, [user_list])[0])


@router.get("/{list_id}", response=ListOut)
def lists_get(request, list_id: Id):
    actor = _actor(request)
    return _outs(actor, [_one(actor, list_id)])[0]


@router.patch("/{list_id}", response=ListOut)
def lists_update(request, list_id: Id, payload: ListIn):
    """Change the keys sent; only the list's creator or an admin may (403 otherwise)."""
    actor = _actor(request)
    user_list = services.user_list_update(
        workspace=actor.workspace,
        actor=actor,
        list_id=list_id,
        data=payload.model_dump(exclude_unset=True),
    )
    return _outs(actor, [user_list])[0]


@router.delete("/{list_id}", response={204: None})
def lists_delete(request, list_id: Id):
    actor = _actor(request)
    services.user_list_delete(workspace=actor.workspace, actor=actor, list_id=list_id)
    return Status(204, None)


@router.get("/{list_id}/members", response=ContactPage)
def lists_members(request, list_id: Id, params: Query[PageParams]):
    """The contacts in the list that the caller may see, in the contacts API's shape;
    422 with the errors when the filter names something that no longer exists."""
    actor = _actor(request)
    members, order = _members(actor, _one(actor, list_id))
    page = keyset_page(
        with_contact_details(members), order=order, limit=params.limit, cursor=params.cursor
    )
    return {"items": [_contact_out(c) for c in page.items], "next": page.next}


CSV_DOC = {
    "responses": {
        200: {
            "description": "The members as CSV (UTF-8 with a BOM), streamed.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get("/{list_id}/members.csv", response={200: None}, openapi_extra=CSV_DOC)
def lists_members_csv(request, list_id: Id, params: Query[CsvParams]):
    """The members as CSV, streamed; `?columns=email,first_name` chooses the columns
    (default email, first_name, last_name; any contact export column, custom fields as
    `custom.<key>`). An unknown column is 422."""
    actor = _actor(request)
    user_list = _one(actor, list_id)
    keys = exporting.parse_column_keys(params.columns)
    return downloads.members_csv(actor=actor, user_list=user_list, keys=keys)
