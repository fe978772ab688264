"""API for likely duplicates and merging. Parse, call one selector or service, serialise.

Mounted before the customers router, so /contacts/duplicates is not read as a contact id.
"""

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from rapport.core.api import Id, PageParams
from rapport.customers import duplicates, services
from rapport.customers.api import (
    CompanyOut,
    ContactOut,
    _actor,
    _companies_out,
    _company_detail,
    _contact_out,
    _etag,
    _written_contact,
)

router = Router()

GROUP_IDS = (
    "`ids`: the records of the group the caller may see, oldest first (at most "
    f"{duplicates.READ_PER_GROUP}; `count` says how many there are)."
)


class ContactDuplicateOut(Schema):
    reason: Literal["email", "phone", "name"] = Field(
        description="Why the contacts look alike: the same email address (also among "
        "`other_emails`, case-insensitive), the same phone number (digits only, compared on "
        "the last 9, so +48 601 234 567 and 601-234-567 match), or the same first and last "
        "name (accents and case ignored) at the same company."
    )
    value: str = Field(
        description="The shared key: the email lowercased, the phone's last 9 digits, or "
        'the folded name as "last first" (e.g. "lodz anna").'
    )
    company_id: int | None = Field(description="For `name`: the company they share.")
    ids: list[int] = Field(description=GROUP_IDS)
    count: int


class CompanyDuplicateOut(Schema):
    reason: Literal["domain", "name"] = Field(
        description="The same domain (case-insensitive), or a near-identical name: compared "
        "without case, accents, punctuation, spaces and legal forms (Inc, Ltd, LLC, GmbH, "
        "B.V., sp. z o.o., S.A., ...)."
    )
    value: str = Field(description='The shared key: the domain, or the folded name ("acme").')
    ids: list[int] = Field(description=GROUP_IDS)
    count: int


class ContactDuplicatePage(Schema):
    items: list[ContactDuplicateOut]
    next: str | None
    checked_at: dt.datetime | None = Field(
        description="When the workspace was last scanned for duplicates (ISO 8601, null "
        "before the first scan). Records added since appear after the next scan.",
    )
    scanning: bool = Field(description="A newer scan is under way.")


class CompanyDuplicatePage(Schema):
    items: list[CompanyDuplicateOut]
    next: str | None
    checked_at: dt.datetime | None
    scanning: bool


class ScanOut(Schema):
    checked_at: dt.datetime | None
    scanning: bool


class ContactDuplicateParams(PageParams):
    reason: Literal["email", "phone", "name"] | None = None


class CompanyDuplicateParams(PageParams):
    reason: Literal["domain", "name"] | None = None


class MergeIn(Schema):
    """`other_ids`: the records merged into this one (deleted afterwards). `fields`: for
    any field, the id of the record (this one or one of `other_ids`) whose value to keep;
    custom fields as `"custom.<key>"`. A field not named keeps this record's value, or the
    first non-empty one of `other_ids` in order."""

    model_config = ConfigDict(extra="forbid")

    other_ids: list[Id]
    fields: dict[str, Id] = {}


def _page(request, entity: str, params, group_out) -> dict:
    actor = _actor(request)
    duplicates.duplicates_refresh(workspace=actor.workspace, entity=entity)
    page = duplicates.duplicate_page(
        workspace=actor.workspace,
        actor=actor,
        entity=entity,
        reason=params.reason,
        limit=params.limit,
        cursor=params.cursor,
    )
    return {
        "items": [group_out(g) for g in page.items],
        "next": page.next,
        "checked_at": page.checked_at,
        "scanning": page.scanning,
    }


def _contact_group(group: duplicates.Group) -> dict:
    return {
        "reason": group.reason,
        "value": group.value,
        "company_id": group.scope if group.reason == "name" else None,
        "ids": group.ids,
        "count": group.size,
    }


def _company_group(group: duplicates.Group) -> dict:
    return {"reason": group.reason, "value": group.value, "ids": group.ids, "count": group.size}


@router.get("/contacts/duplicates", response=ContactDuplicatePage, tags=["duplicates"])
def contacts_duplicates(request, params: Query[ContactDuplicateParams]):
    """Groups of contacts that look like the same person, among the contacts the caller
    may see (a group needs two of them), ordered by reason (email, phone, name) and key,
    paged by `cursor`. Comes from the last scan of the workspace; opening this list
    starts a new scan when that one is old (see `checked_at`, `scanning`)."""
    return _page(request, "contact", params, _contact_group)


@router.post("/contacts/duplicates/scan", response={202: ScanOut}, tags=["duplicates"])
def contacts_duplicates_scan(request):
    """Look for duplicates again now (in the background for a big workspace)."""
    actor = _actor(request)
    scan = duplicates.duplicates_refresh(workspace=actor.workspace, entity="contact", force=True)
    return Status(202, duplicates.scan_state(scan))


@router.post("/contacts/{contact_id}/merge", response=ContactOut, tags=["duplicates"])
def contacts_merge(request, contact_id: Id, payload: MergeIn, response: HttpResponse):
    """Merge `other_ids` into this contact and return it (its ETag changes). Notes, labels,
    team shares, timeline, other emails and phones move to it; the others are deleted.
    404 when the caller may not see one of them (or it is not in this workspace), 403 when
    they may see it but not delete it (its owner or an admin may), 422 for a bad
    `other_ids` or `fields`; nothing changes then."""
    actor = _actor(request)
    contact = services.contact_merge(
        workspace=actor.workspace,
        actor=actor,
        contact_id=contact_id,
        other_ids=payload.other_ids,
        fields=payload.fields,
    )
    contact = _written_contact(actor, contact)
    _etag(response, contact)
    return _contact_out(contact)


@router.get("/companies/duplicates", response=CompanyDuplicatePage, tags=["duplicates"])
def companies_duplicates(request, params: Query[CompanyDuplicateParams]):
    """Groups of companies that look like the same organisation (same domain, or a
    near-identical name), ordered by reason and key, paged by `cursor`; from the last scan
    (see `checked_at`)."""
    return _page(request, "company", params, _company_group)


@router.post("/companies/duplicates/scan", response={202: ScanOut}, tags=["duplicates"])
def companies_duplicates_scan(request):
    actor = _actor(request)
    scan = duplicates.duplicates_refresh(workspace=actor.workspace, entity="company", force=True)
    return Status(202, duplicates.scan_state(scan))


@router.post("/companies/{company_id}/merge", response=CompanyOut, tags=["duplicates"])
def companies_merge(request, company_id: Id, payload: MergeIn, response: HttpResponse):
    """Merge `other_ids` into this company and return it. Their contacts, notes, labels
    and timeline move to it; the others are deleted. Errors as for contacts."""
    actor = _actor(request)
    company = services.company_merge(
        workspace=actor.workspace,
        actor=actor,
        company_id=company_id,
        other_ids=payload.other_ids,
        fields=payload.fields,
    )
    company = _company_detail(actor, company.pk)
    _etag(response, company)
    return _companies_out(actor, [company])[0]
