"""API for custom field definitions (/api/v1/custom-fields). Parse, call, serialise.

Every member reads definitions; writes are for admins (the services say 403). Ids of
another workspace are 404.
"""

from django.db.models import F
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rapport.core.api import Id, PageParams
from rapport.core.models import Membership
from rapport.core.pagination import keyset_page
from rapport.customfields import selectors, services
from rapport.customfields.models import CustomField, CustomOption, Entity, FieldType

router = Router(tags=["custom fields"])


def _actor(request) -> Membership:
    return request.membership


# --- schemas ------------------------------------------------------------------------


class OptionOut(Schema):
    value: str
    label: str


class FieldOut(Schema):
    id: int
    entity: str
    section: str
    key: str
    label: str
    type: str
    required: bool
    position: int
    options: list[OptionOut]


class OptionIn(Schema):
    value: str | None = Field(None, max_length=200)
    label: str


class FieldIn(Schema):
    entity: Entity
    label: str
    type: FieldType
    section: str | None = None
    section_id: Id | None = None
    required: StrictBool = False
    key: str | None = Field(None, max_length=200)
    options: list[OptionIn] = []


class FieldPatch(Schema):
    label: str | None = None
    required: StrictBool | None = None
    section: str | None = None
    section_id: Id | None = None
    type: str | None = None


class OptionPatch(Schema):
    label: str


class FieldListParams(PageParams):
    entity: Entity | None = None


def _option_out(option: CustomOption) -> dict:
    return {"value": option.value, "label": option.label}


def _field_out(field: CustomField) -> dict:
    return {
        "id": field.pk,
        "entity": field.entity,
        "section": field.section.name,
        "key": field.key,
        "label": field.label,
        "type": field.type,
        "required": field.required,
        "position": field.position,
        "options": [_option_out(o) for o in field.options.all()],
    }


def _fresh(request, field_id: int) -> dict:
    return _field_out(selectors.field_get(workspace=_actor(request).workspace, field_id=field_id))


# --- fields -------------------------------------------------------------------------


@router.get("", response=dict)
def fields_list(request, params: Query[FieldListParams]):
    """Fields in display order: entity, then section, then position."""
    actor = _actor(request)
    fields = selectors.field_list(
        workspace=actor.workspace, entity=params.entity.value if params.entity else None
    ).annotate(section_position=F("section__position"))
    page = keyset_page(
        fields,
        order=("entity", "section_position", "section_id", "position", "id"),
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": [_field_out(f) for f in page.items], "next": page.next}


@router.post("", response={201: FieldOut})
def fields_create(request, payload: FieldIn):
    actor = _actor(request)
    field = services.field_create(
        workspace=actor.workspace,
        actor=actor,
        entity=payload.entity.value,
        label=payload.label,
        type=payload.type.value,
        section_id=payload.section_id,
        section_name=payload.section,
        required=payload.required,
        key=payload.key,
        options=[o.dict() for o in payload.options],
    )
    return Status(201, _fresh(request, field.pk))


@router.get("/{field_id}", response=FieldOut)
def fields_get(request, field_id: Id):
    return _fresh(request, field_id)


@router.patch("/{field_id}", response=FieldOut)
def fields_update(request, field_id: Id, payload: FieldPatch):
    actor = _actor(request)
    services.field_update(
        workspace=actor.workspace,
        actor=actor,
        field_id=field_id,
        label=payload.label,
        required=payload.required,
        section_id=payload.section_id,
        section_name=payload.section,
        type=payload.type,
    )
    return _fresh(request, field_id)


@router.delete("/{field_id}", response={204: None})
def fields_delete(request, field_id: Id, confirm: bool = False):
    """Without `confirm=true`, a field that records hold values in is a 409 (`in_use`)."""
    actor = _actor(request)
    services.field_delete(
        workspace=actor.workspace, actor=actor, field_id=field_id, confirm=confirm
    )
    return Status(204, None)


# --- options ------------------------------------------------------------------------


@router.post("/{field_id}/options", response={201: OptionOut})
def options_create(request, field_id: Id, payload: OptionIn):
    actor = _actor(request)
    option = services.option_create(
        workspace=actor.workspace,
        actor=actor,
        field_id=field_id,
        label=payload.label,
        value=payload.value,
    )
    return Status(201, _option_out(option))


@router.patch("/{field_id}/options/{value}", response=OptionOut)
def options_update(request, field_id: Id, value: str, payload: OptionPatch):
    actor = _actor(request)
    option = services.option_update(
        workspace=actor.workspace, actor=actor, field_id=field_id, value=value, label=payload.label
    )
    return _option_out(option)


@router.delete("/{field_id}/options/{value}", response={204: None})
def options_delete(request, field_id: Id, value: str, confirm: bool = False):
    """Without `confirm=true`, an option that records have chosen is a 409 (`in_use`)."""
    actor = _actor(request)
    services.option_delete(
        workspace=actor.workspace, actor=actor, field_id=field_id, value=value, confirm=confirm
    )
    return Status(204, None)
