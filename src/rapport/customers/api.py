"""API for contacts, companies, notes, saved views and the categories members resolve.

Parse, call one service or selector, serialise. Every read goes through the visibility
selectors, so a contact the caller may not see is 404 here exactly as in the UI. Lists
take the filter language (`rapport.filters`) as query parameters and page by keyset.
"""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool

from rapport.core import services as core_services
from rapport.core.api import Id, PageParams
from rapport.core.errors import NotFound, PreconditionFailed
from rapport.core.models import Activity, Category, Membership
from rapport.core.pagination import keyset_page
from rapport.customers import selectors, services
from rapport.customers.models import Company, Contact, Note, SavedView
from rapport.filters import ParsedFilter, parse_filters

router = Router()

NOT_FILTERS = ("limit", "cursor")
# A strong ETag is the record's version in quotes; W/ tags never match an If-Match.
ETAG = re.compile(r'^"([0-9]{1,18})"$')


def _actor(request: HttpRequest) -> Membership:
    return request.membership


# --- schemas ------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    other_emails: list[str]
    other_phones: list[str]
    company_id: int | None
    job_title: str
    role: str
    source_id: int | None
    label_ids: list[int]
    owner_id: int | None
    visibility: str
    team_ids: list[int]
    is_active: bool
    is_test: bool
    custom: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactIn(Schema):
    """Writable contact fields. On PATCH only the keys sent change; on POST a missing
    `owner_id` makes the caller the owner while `"owner_id": null` leaves it unclaimed."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    other_emails: list[str] | None = None
    other_phones: list[str] | None = None
    company_id: Id | None = None
    job_title: str | None = None
    role: str | None = None
    source_id: Id | None = None
    label_ids: list[Id] | None = None
    owner_id: Id | None = None
    visibility: str | None = None
    team_ids: list[Id] | None = None
    is_active: StrictBool | None = None
    is_test: StrictBool | None = None
    custom: dict[str, Any] | None = None


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    website: str
    phone: str
    street: str
    city: str
    postal_code: str
    region: str
    country: str
    type_id: int | None
    role: str
    primary_contact_id: int | None
    label_ids: list[int]
    owner_id: int | None
    custom: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class CompanyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    domain: str | None = None
    website: str | None = None
    phone: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None
    type_id: Id | None = None
    role: str | None = None
    primary_contact_id: Id | None = None
    label_ids: list[Id] | None = None
    owner_id: Id | None = None
    custom: dict[str, Any] | None = None


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None


class CountOut(Schema):
    count: int


class BulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[Id]
    action: str
    value: int | str | None = None


class BulkOut(Schema):
    changed: int
    skipped: int


class TimelineItemOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    acting_as_id: int | None
    verb: str
    changes: dict[str, Any]
    summary: str


class TimelinePage(Schema):
    items: list[TimelineItemOut]
    next: str | None


class NoteOut(Schema):
    id: int
    contact_id: int | None
    company_id: int | None
    note_type_id: int | None
    body: str
    author_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class NotePage(Schema):
    items: list[NoteOut]
    next: str | None


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contact_id: Id | None = None
    company_id: Id | None = None
    note_type_id: Id | None = None
    body: str


class NotePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    note_type_id: Id | None = None
    body: str | None = None


class NoteListParams(PageParams):
    contact_id: Id | None = None
    company_id: Id | None = None


class ViewOut(Schema):
    id: int
    name: str
    entity: str
    filters: dict[str, str]
    columns: list[str]
    shared: bool
    owner_id: int


class ViewPage(Schema):
    items: list[ViewOut]
    next: str | None


class ViewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    entity: str | None = None
    filters: dict[str, Any] | None = None
    columns: list[str] | None = None
    shared: StrictBool | None = None


class ViewListParams(PageParams):
    entity: Literal["contact", "company"] | None = None


class CategoryOut(Schema):
    id: int
    name: str
    color: str
    position: int


class CategoryPage(Schema):
    items: list[CategoryOut]
    next: str | None


class LabelIn(Schema):
    name: str
    color: str = "#64748b"


class FilterFields(Schema):
    """The documented filters; `custom.<key>` (and `__gte`/`__lte`) work as well.

    Shared by the lists, counts and exports so their OpenAPI parameters stay the same.
    """

    q: str | None = None
    role: str | None = None
    label: str | None = None
    team: str | None = None
    owner: str | None = None
    created_within_days: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    # Linked to this project (the projects module registers the filter; off = refused).
    project: str | None = None
    sort: str | None = None


class ContactFilterFields(FilterFields):
    source: str | None = None
    company: str | None = None
    is_active: str | None = None
    is_test: str | None = None


class CompanyFilterFields(FilterFields):
    type: str | None = None


class ContactFilterParams(PageParams, ContactFilterFields):
    pass


class CompanyFilterParams(PageParams, CompanyFilterFields):
    pass


# --- helpers ------------------------------------------------------------------------


def _filters(request: HttpRequest, entity: str) -> ParsedFilter:
    """The query string as a filter; a repeated parameter means "any of these"."""
    params = {
        name: values[0] if len(values) == 1 else values
        for name, values in request.GET.lists()
        if name not in NOT_FILTERS
    }
    actor = _actor(request)
    return parse_filters(workspace=actor.workspace, actor=actor, entity=entity, params=params)


def _fields(payload: Schema) -> dict:
    """Only the keys the client sent: absent leaves a field alone, null clears it."""
    return payload.model_dump(exclude_unset=True)


def _if_match(request: HttpRequest) -> tuple[int | None, bool]:
    """The version named by If-Match (None when absent or "*") and whether it parsed.

    A malformed header still goes to the service as version 0, which no record has, so a
    record the caller cannot see answers 404 before the precondition is judged.
    """
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None, True
    match = ETAG.match(raw.strip())
    if match is None:
        return 0, False
    return int(match.group(1)), True


def _guarded(request: HttpRequest, write: Callable[[int | None], Any]) -> Any:
    version, well_formed = _if_match(request)
    try:
        return write(version)
    except PreconditionFailed:
        if well_formed:
            raise
        raise PreconditionFailed(
            _('If-Match must be an ETag this API sent, such as "3".'), field="If-Match"
        ) from None


def _etag(response: HttpResponse, record: Contact | Company) -> None:
    response["ETag"] = f'"{record.version}"'


def _contact_out(contact: Contact) -> dict:
    """One contact in the API's shape; expects `with_contact_details` rows."""
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "email": contact.email,
        "phone": contact.phone,
        "other_emails": contact.other_emails,
        "other_phones": contact.other_phones,
        "company_id": contact.company_id,
        "job_title": contact.job_title,
        "role": contact.role,
        "source_id": contact.source_id,
        "label_ids": selectors.label_ids(contact),
        "owner_id": contact.owner_id,
        "visibility": contact.visibility,
        "team_ids": [share.team_id for share in contact.shares.all()],
        "is_active": contact.is_active,
        "is_test": contact.is_test,
        "custom": contact.custom,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _written_contact(actor: Membership, contact: Contact) -> Contact:
    """The contact a service just wrote for this actor, re-read with its details.

    Not scoped by visibility on purpose: handing a private contact to someone else is a
    successful write whose answer the writer still deserves.
    """
    return selectors.with_contact_details(
        Contact.objects.filter(workspace=actor.workspace, pk=contact.pk)
    ).get()


def _visible_contact_ids(actor: Membership, ids) -> set[int]:
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return set()
    visible = selectors.contact_visible(workspace=actor.workspace, actor=actor)
    return set(visible.filter(pk__in=ids).values_list("pk", flat=True))


def _company_out(company: Company, visible_contacts: set[int]) -> dict:
    """One company in the API's shape; a primary contact the caller may not see is null."""
    primary = company.primary_contact_id
    return {
        "id": company.pk,
        "name": company.name,
        "domain": company.domain,
        "website": company.website,
        "phone": company.phone,
        "street": company.street,
        "city": company.city,
        "postal_code": company.postal_code,
        "region": company.region,
        "country": company.country,
        "type_id": company.type_id,
        "role": company.role,
        "primary_contact_id": primary if primary in visible_contacts else None,
        "label_ids": selectors.label_ids(company),
        "owner_id": company.owner_id,
        "custom": company.custom,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


def _companies_out(actor: Membership, companies: list[Company]) -> list[dict]:
    visible = _visible_contact_ids(actor, [c.primary_contact_id for c in companies])
    return [_company_out(company, visible) for company in companies]


def _company_detail(actor: Membership, company_id: int) -> Company:
    return selectors.company_get(workspace=actor.workspace, actor=actor, company_id=company_id)


def _timeline(actor: Membership, target_type: str, target_id: int, params: PageParams) -> dict:
    page = keyset_page(
        selectors.timeline(workspace=actor.workspace, target_type=target_type, target_id=target_id),
        order=("-at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_activity_out(a) for a in page.items], "next": page.next}


def _activity_out(activity: Activity) -> dict:
    return {
        "id": activity.pk,
        "at": activity.at,
        "actor_id": activity.actor_id,
        "acting_as_id": activity.acting_as_id,
        "verb": activity.verb,
        "changes": activity.changes,
        "summary": activity.summary,
    }


def _require_contact(actor: Membership, contact_id: int) -> None:
    visible = selectors.contact_visible(workspace=actor.workspace, actor=actor)
    if not visible.filter(pk=contact_id).exists():
        raise NotFound(_("Contact not found."))


def _require_company(actor: Membership, company_id: int) -> None:
    visible = selectors.company_visible(workspace=actor.workspace, actor=actor)
    if not visible.filter(pk=company_id).exists():
        raise NotFound(_("Company not found."))


# --- contacts -----------------------------------------------------------------------


@router.get("/contacts", response=ContactPage, tags=["contacts"])
def contacts_list(request, params: Query[ContactFilterParams]):
    actor = _actor(request)
    parsed = _filters(request, "contact")
    visible = selectors.contact_visible(workspace=actor.workspace, actor=actor)
    page = keyset_page(
        selectors.with_contact_details(parsed.apply(visible)),
        order=parsed.order,
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_contact_out(c) for c in page.items], "next": page.next}


@router.get("/contacts/count", response=CountOut, tags=["contacts"])
def contacts_count(request, params: Query[ContactFilterParams]):
    actor = _actor(request)
    visible = selectors.contact_visible(workspace=actor.workspace, actor=actor)
    return {"count": _filters(request, "contact").apply(visible).count()}


@router.post("/contacts/bulk", response=BulkOut, tags=["contacts"])
def contacts_bulk(request, payload: BulkIn):
    actor = _actor(request)
    result = services.contact_bulk(
        workspace=actor.workspace,
        actor=actor,
        ids=payload.ids,
        action=payload.action,
        value=payload.value,
    )
    return {"changed": result.changed, "skipped": result.skipped}


@router.post("/contacts", response={201: ContactOut}, tags=["contacts"])
def contacts_create(request, payload: ContactIn, response: HttpResponse):
    actor = _actor(request)
    contact = services.contact_create(workspace=actor.workspace, actor=actor, data=_fields(payload))
    contact = _written_contact(actor, contact)
    _etag(response, contact)
    return Status(201, _contact_out(contact))


@router.get("/contacts/{contact_id}", response=ContactOut, tags=["contacts"])
def contacts_get(request, contact_id: Id, response: HttpResponse):
    actor = _actor(request)
    contact = selectors.contact_get(workspace=actor.workspace, actor=actor, contact_id=contact_id)
    _etag(response, contact)
    return _contact_out(contact)


@router.patch("/contacts/{contact_id}", response=ContactOut, tags=["contacts"])
def contacts_update(request, contact_id: Id, payload: ContactIn, response: HttpResponse):
    """Change the fields sent. `custom` merges key by key; with `If-Match`, a contact
    changed since that ETag is refused with 412 and left as it is."""
    actor = _actor(request)
    data = _fields(payload)
    if "custom" in data:
        data["_custom_partial"] = True
    contact = _guarded(
        request,
        lambda version: services.contact_update(
            workspace=actor.workspace,
            actor=actor,
            contact_id=contact_id,
            data=data,
            if_version=version,
        ),
    )
    contact = _written_contact(actor, contact)
    _etag(response, contact)
    return _contact_out(contact)


@router.delete("/contacts/{contact_id}", response={204: None}, tags=["contacts"])
def contacts_delete(request, contact_id: Id):
    actor = _actor(request)
    services.contact_delete(workspace=actor.workspace, actor=actor, contact_id=contact_id)
    return Status(204, None)


@router.post("/contacts/{contact_id}/claim", response=ContactOut, tags=["contacts"])
def contacts_claim(request, contact_id: Id, response: HttpResponse):
    """Take an unclaimed contact; 409 when someone else was first."""
    actor = _actor(request)
    contact = services.contact_claim(workspace=actor.workspace, actor=actor, contact_id=contact_id)
    contact = _written_contact(actor, contact)
    _etag(response, contact)
    return _contact_out(contact)


@router.get("/contacts/{contact_id}/timeline", response=TimelinePage, tags=["contacts"])
def contacts_timeline(request, contact_id: Id, params: Query[PageParams]):
    actor = _actor(request)
    _require_contact(actor, contact_id)
    return _timeline(actor, "contact", contact_id, params)


# --- companies ----------------------------------------------------------------------


@router.get("/companies", response=CompanyPage, tags=["companies"])
def companies_list(request, params: Query[CompanyFilterParams]):
    actor = _actor(request)
    parsed = _filters(request, "company")
    visible = selectors.company_visible(workspace=actor.workspace, actor=actor)
    page = keyset_page(
        selectors.with_company_details(parsed.apply(visible)),
        order=parsed.order,
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": _companies_out(actor, page.items), "next": page.next}


@router.get("/companies/count", response=CountOut, tags=["companies"])
def companies_count(request, params: Query[CompanyFilterParams]):
    actor = _actor(request)
    visible = selectors.company_visible(workspace=actor.workspace, actor=actor)
    return {"count": _filters(request, "company").apply(visible).count()}


@router.post("/companies/bulk", response=BulkOut, tags=["companies"])
def companies_bulk(request, payload: BulkIn):
    actor = _actor(request)
    result = services.company_bulk(
        workspace=actor.workspace,
        actor=actor,
        ids=payload.ids,
        action=payload.action,
        value=payload.value,
    )
    return {"changed": result.changed, "skipped": result.skipped}


@router.post("/companies", response={201: CompanyOut}, tags=["companies"])
def companies_create(request, payload: CompanyIn, response: HttpResponse):
    actor = _actor(request)
    company = services.company_create(workspace=actor.workspace, actor=actor, data=_fields(payload))
    company = _company_detail(actor, company.pk)
    _etag(response, company)
    return Status(201, _companies_out(actor, [company])[0])


@router.get("/companies/{company_id}", response=CompanyOut, tags=["companies"])
def companies_get(request, company_id: Id, response: HttpResponse):
    actor = _actor(request)
    company = _company_detail(actor, company_id)
    _etag(response, company)
    return _companies_out(actor, [company])[0]


@router.patch("/companies/{company_id}", response=CompanyOut, tags=["companies"])
def companies_update(request, company_id: Id, payload: CompanyIn, response: HttpResponse):
    actor = _actor(request)
    data = _fields(payload)
    if "custom" in data:
        data["_custom_partial"] = True
    company = _guarded(
        request,
        lambda version: services.company_update(
            workspace=actor.workspace,
            actor=actor,
            company_id=company_id,
            data=data,
            if_version=version,
        ),
    )
    company = _company_detail(actor, company.pk)
    _etag(response, company)
    return _companies_out(actor, [company])[0]


@router.delete("/companies/{company_id}", response={204: None}, tags=["companies"])
def companies_delete(
    request, company_id: Id, on_contacts: Literal["detach", "delete"] | None = None
):
    """With contacts linked, `?on_contacts=detach|delete` says what happens to them."""
    actor = _actor(request)
    services.company_delete(
        workspace=actor.workspace, actor=actor, company_id=company_id, on_contacts=on_contacts
    )
    return Status(204, None)


@router.get("/companies/{company_id}/timeline", response=TimelinePage, tags=["companies"])
def companies_timeline(request, company_id: Id, params: Query[PageParams]):
    actor = _actor(request)
    _require_company(actor, company_id)
    return _timeline(actor, "company", company_id, params)


# --- notes --------------------------------------------------------------------------


def _note_out(note: Note) -> dict:
    return {
        "id": note.pk,
        "contact_id": note.contact_id,
        "company_id": note.company_id,
        "note_type_id": note.note_type_id,
        "body": note.body,
        "author_id": note.author_id,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


@router.get("/notes", response=NotePage, tags=["notes"])
def notes_list(request, params: Query[NoteListParams]):
    """Notes the caller may see, newest first; filtering by a contact the caller may not
    see is 404, as the contact itself is."""
    actor = _actor(request)
    if params.contact_id is not None:
        _require_contact(actor, params.contact_id)
    if params.company_id is not None:
        _require_company(actor, params.company_id)
    page = keyset_page(
        selectors.note_list(
            workspace=actor.workspace,
            actor=actor,
            contact_id=params.contact_id,
            company_id=params.company_id,
        ),
        order=("-created_at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_note_out(n) for n in page.items], "next": page.next}


@router.post("/notes", response={201: NoteOut}, tags=["notes"])
def notes_create(request, payload: NoteIn):
    actor = _actor(request)
    note = services.note_create(workspace=actor.workspace, actor=actor, data=_fields(payload))
    return Status(201, _note_out(note))


@router.get("/notes/{note_id}", response=NoteOut, tags=["notes"])
def notes_get(request, note_id: Id):
    actor = _actor(request)
    return _note_out(selectors.note_get(workspace=actor.workspace, actor=actor, note_id=note_id))


@router.patch("/notes/{note_id}", response=NoteOut, tags=["notes"])
def notes_update(request, note_id: Id, payload: NotePatch):
    actor = _actor(request)
    note = services.note_update(
        workspace=actor.workspace, actor=actor, note_id=note_id, data=_fields(payload)
    )
    return _note_out(note)


@router.delete("/notes/{note_id}", response={204: None}, tags=["notes"])
def notes_delete(request, note_id: Id):
    actor = _actor(request)
    services.note_delete(workspace=actor.workspace, actor=actor, note_id=note_id)
    return Status(204, None)


# --- saved views --------------------------------------------------------------------


def _view_out(view: SavedView) -> dict:
    return {
        "id": view.pk,
        "name": view.name,
        "entity": view.entity,
        "filters": view.filters,
        "columns": view.columns,
        "shared": view.shared,
        "owner_id": view.owner_id,
    }


@router.get("/views", response=ViewPage, tags=["views"])
def views_list(request, params: Query[ViewListParams]):
    """The caller's own views and those shared with the workspace."""
    actor = _actor(request)
    page = keyset_page(
        selectors.saved_view_list(workspace=actor.workspace, actor=actor, entity=params.entity),
        order=("name", "id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_view_out(v) for v in page.items], "next": page.next}


@router.post("/views", response={201: ViewOut}, tags=["views"])
def views_create(request, payload: ViewIn):
    actor = _actor(request)
    view = services.saved_view_create(workspace=actor.workspace, actor=actor, data=_fields(payload))
    return Status(201, _view_out(view))


@router.get("/views/{view_id}", response=ViewOut, tags=["views"])
def views_get(request, view_id: Id):
    actor = _actor(request)
    return _view_out(
        selectors.saved_view_get(workspace=actor.workspace, actor=actor, view_id=view_id)
    )


@router.patch("/views/{view_id}", response=ViewOut, tags=["views"])
def views_update(request, view_id: Id, payload: ViewIn):
    actor = _actor(request)
    view = services.saved_view_update(
        workspace=actor.workspace, actor=actor, view_id=view_id, data=_fields(payload)
    )
    return _view_out(view)


@router.delete("/views/{view_id}", response={204: None}, tags=["views"])
def views_delete(request, view_id: Id):
    actor = _actor(request)
    services.saved_view_delete(workspace=actor.workspace, actor=actor, view_id=view_id)
    return Status(204, None)


# --- categories members resolve -----------------------------------------------------


def _category_out(category: Category) -> dict:
    return {
        "id": category.pk,
        "name": category.name,
        "color": category.color,
        "position": category.position,
    }


def _categories(request: HttpRequest, kind: str) -> dict:
    """Every category of `kind`, for any member: the ids on records mean something."""
    rows = selectors.category_choices(workspace=_actor(request).workspace, kind=kind)
    return {"items": [_category_out(c) for c in rows], "next": None}


@router.get("/labels", response=CategoryPage, tags=["categories"])
def labels_list(request):
    return _categories(request, "labels")


@router.post("/labels", response={201: CategoryOut}, tags=["categories"])
def labels_create(request, payload: LabelIn):
    """Admins add a label; members get 403."""
    actor = _actor(request)
    label = core_services.category_create(
        workspace=actor.workspace,
        actor=actor,
        kind="labels",
        name=payload.name,
        color=payload.color,
    )
    return Status(201, _category_out(label))


@router.get("/sources", response=CategoryPage, tags=["categories"])
def sources_list(request):
    return _categories(request, "sources")


@router.get("/company-types", response=CategoryPage, tags=["categories"])
def company_types_list(request):
    return _categories(request, "company-types")


@router.get("/note-types", response=CategoryPage, tags=["categories"])
def note_types_list(request):
    return _categories(request, "note-types")
