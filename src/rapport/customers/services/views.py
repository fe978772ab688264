"""Saved list views: a name over the filter language, private or shared."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Forbidden, Invalid
from rapport.core.models import Membership, Workspace
from rapport.customers.models import SavedView
from rapport.customers.selectors import saved_view_get
from rapport.customers.services import _common as c
from rapport.filters import ENTITIES, PAGING_PARAMS, parse_filters

COLUMNS = {
    "contact": (
        "name",
        "email",
        "phone",
        "company",
        "job_title",
        "role",
        "source",
        "labels",
        "owner",
        "teams",
        "created_at",
        "updated_at",
    ),
    "company": (
        "name",
        "domain",
        "phone",
        "city",
        "country",
        "type",
        "role",
        "labels",
        "owner",
        "created_at",
        "updated_at",
    ),
}
DEFAULT_COLUMNS = {
    "contact": ["name", "email", "company", "role", "labels", "owner"],
    "company": ["name", "domain", "city", "type", "role", "labels"],
}


def clean_columns(entity: str, columns, custom_keys: set[str] | None = None) -> list[str]:
    if columns in (None, "", []):
        return list(DEFAULT_COLUMNS[entity])
    if isinstance(columns, str):
        columns = [x.strip() for x in columns.split(",") if x.strip()]
    if not isinstance(columns, list) or len(columns) > 30:
        raise Invalid(_("Choose up to 30 columns."), field="columns")
    clean = []
    for col in columns:
        if not isinstance(col, str):
            raise Invalid(_("Unknown column."), field="columns")
        known = col in COLUMNS[entity] or (
            col.startswith("custom.") and (custom_keys is None or col[7:] in custom_keys)
        )
        if not known:
            raise Invalid(_("Unknown column %(name)s.") % {"name": col[:50]}, field="columns")
        if col not in clean:
            clean.append(col)
    return clean


def _clean(workspace, actor, data: dict, view: SavedView | None) -> dict:
    from rapport.customfields.validation import definitions

    errors = c.Errors()
    values = {}
    entity = data.get("entity", view.entity if view else None)
    if entity not in ENTITIES:
        raise Invalid(_("Use contact or company."), field="entity")
    values["entity"] = entity
    if view is None or "name" in data:
        name = c.text(errors, {"name": data.get("name")}, "name", 80)
        if name == "":
            errors.add("name", _("Give the view a name."))
        elif name is not None:
            values["name"] = name
    if "shared" in data:
        if not isinstance(data["shared"], bool):
            errors.add("shared", _("Use true or false."))
        else:
            values["shared"] = data["shared"]
    errors.raise_if_any()
    defs = definitions(workspace=workspace, entity=entity)
    if "filters" in data:
        filters = data["filters"] or {}
        if not isinstance(filters, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in filters.items()
        ):
            raise Invalid(_("Filters are an object of strings."), field="filters")
        filters = {k: v for k, v in filters.items() if k not in PAGING_PARAMS and v != ""}
        parse_filters(workspace=workspace, actor=actor, entity=entity, params=filters, defs=defs)
        values["filters"] = filters
    if "columns" in data:
        values["columns"] = clean_columns(entity, data["columns"], {d.key for d in defs})
    return values


def saved_view_create(*, workspace: Workspace, actor: Membership, data: dict) -> SavedView:
    values = _clean(workspace, actor, data, None)
    values.setdefault("columns", list(DEFAULT_COLUMNS[values["entity"]]))
    with transaction.atomic():
        view = SavedView.objects.create(workspace=workspace, owner=actor.user, **values)
        record_activity(
            workspace=workspace, actor=actor, verb="view.created", target=view, summary=view.name
        )
    return view


def _mine(actor: Membership, view: SavedView) -> None:
    if view.owner_id != actor.user_id and not actor.is_admin:
        raise Forbidden(_("Only the view's creator or an admin can change it."))


def saved_view_update(
    *, workspace: Workspace, actor: Membership, view_id: int, data: dict
) -> SavedView:
    with transaction.atomic():
        view = saved_view_get(workspace=workspace, actor=actor, view_id=view_id)
        _mine(actor, view)
        data = {k: v for k, v in data.items() if k != "entity"}
        values = _clean(workspace, actor, data, view)
        values.pop("entity")
        for name, value in values.items():
            setattr(view, name, value)
        view.save()
        record_activity(
            workspace=workspace, actor=actor, verb="view.updated", target=view, summary=view.name
        )
    return view


def saved_view_delete(*, workspace: Workspace, actor: Membership, view_id: int) -> None:
    with transaction.atomic():
        view = saved_view_get(workspace=workspace, actor=actor, view_id=view_id)
        _mine(actor, view)
        record_activity(
            workspace=workspace, actor=actor, verb="view.deleted", target=view, summary=view.name
        )
        view.delete()
