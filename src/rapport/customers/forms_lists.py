"""Reading a list request: filters, sort, columns, saved view, cursor and limit.

The query string is the list's whole state. `list_state` parses it once and keeps every
problem as an inline error, so a bad link shows a message instead of a 500.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import Invalid, NotFound
from rapport.core.pagination import clamp_limit
from rapport.customers import selectors, services
from rapport.customers.models import SavedView
from rapport.customers.services._common import parse_id
from rapport.customfields.models import FieldType
from rapport.customfields.validation import FieldDef, definitions
from rapport.filters import PAGING_PARAMS, ParsedFilter, parse_filters

COLUMN_LABELS = {
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "company": gettext_lazy("Company"),
    "job_title": gettext_lazy("Job title"),
    "role": gettext_lazy("Role"),
    "source": gettext_lazy("Source"),
    "labels": gettext_lazy("Labels"),
    "owner": gettext_lazy("Owner"),
    "teams": gettext_lazy("Teams"),
    "created_at": gettext_lazy("Created"),
    "updated_at": gettext_lazy("Updated"),
    "domain": gettext_lazy("Domain"),
    "city": gettext_lazy("City"),
    "country": gettext_lazy("Country"),
    "type": gettext_lazy("Type"),
}


def query_params(query: QueryDict) -> dict[str, str]:
    """The query string as the filter language's dict: repeated names join with commas."""
    params: dict[str, str] = {}
    for name in query:
        values = [v.strip() for v in query.getlist(name) if v.strip()]
        if values:
            params[name] = ",".join(values)
    return params


@dataclass
class ListState:
    entity: str
    filters: dict[str, str]
    columns: list[str]
    defs: list[FieldDef]
    view: SavedView | None = None
    parsed: ParsedFilter | None = None
    cursor: str | None = None
    limit: int | None = None
    errors: list[dict] = field(default_factory=list)

    def pairs(self, *, cursor: bool = False, **override) -> list[tuple[str, str]]:
        values = {**self.filters, **override}
        pairs = [(k, v) for k, v in values.items() if v not in (None, "")]
        if self.view is not None or self.columns != services.DEFAULT_COLUMNS[self.entity]:
            # A view's columns ride along, so a sorted or filtered view keeps its columns.
            pairs.append(("columns", ",".join(self.columns)))
        if self.view is not None:
            pairs.append(("view", str(self.view.pk)))
        if self.limit:
            pairs.append(("limit", str(self.limit)))
        if cursor and self.cursor:
            pairs.append(("cursor", self.cursor))
        return pairs

    def query(self, **override) -> str:
        return urlencode(self.pairs(**override))

    @property
    def filtered(self) -> bool:
        return any(k != "sort" for k in self.filters)


def list_state(request, entity: str, *, sort: str | None = None) -> ListState:
    """Parse the request into a list state; bad input becomes `errors`, never an exception."""
    workspace, actor = request.workspace, request.membership
    raw = query_params(request.GET)
    defs = definitions(workspace=workspace, entity=entity)
    errors: list[dict] = []
    view = None
    if "view" in raw:
        view_id = parse_id(raw["view"])
        try:
            if view_id is None:
                raise NotFound("")
            view = selectors.saved_view_get(workspace=workspace, actor=actor, view_id=view_id)
            if view.entity != entity:
                raise NotFound("")
        except NotFound:
            view = None
            errors.append(
                {"field": "view", "message": _("That view does not exist or is not shared.")}
            )
    filters = {k: v for k, v in raw.items() if k not in PAGING_PARAMS}
    columns_raw = raw.get("columns")
    if view is not None and not filters and "columns" not in raw:
        filters = {k: v for k, v in view.filters.items() if k not in PAGING_PARAMS}
        columns_raw = view.columns
    if sort is not None:
        filters["sort"] = sort
    try:
        columns = services.clean_columns(entity, columns_raw, {d.key for d in defs})
    except Invalid as exc:
        errors.append({"field": "columns", "message": exc.message})
        columns = list(services.DEFAULT_COLUMNS[entity])
    if "name" not in columns:
        # Every row needs its link to the record.
        columns.insert(0, "name")
    state = ListState(entity=entity, filters=filters, columns=columns, defs=defs, view=view)
    try:
        state.limit = clamp_limit(parse_id(raw["limit"]) or 0) if "limit" in raw else None
    except Invalid as exc:
        errors.append({"field": "limit", "message": exc.message})
    state.cursor = request.GET.get("cursor") or None
    try:
        state.parsed = parse_filters(
            workspace=workspace, actor=actor, entity=entity, params=filters, defs=defs
        )
    except Invalid as exc:
        errors.extend(exc.errors or [{"field": "", "message": exc.message}])
    state.errors = errors
    return state


def custom_filter(fd: FieldDef, filters: dict) -> dict:
    name = f"custom.{fd.key}"
    item = {"fd": fd, "name": name, "value": filters.get(name, ""), "range": False}
    if fd.type in (FieldType.NUMBER, FieldType.DATE):
        item["range"] = True
        item["input"] = "number" if fd.type == FieldType.NUMBER else "date"
        item["gte"] = filters.get(f"{name}__gte", "")
        item["lte"] = filters.get(f"{name}__lte", "")
    elif fd.options:
        item["input"] = "select"
    else:
        item["input"] = "text"
    return item


def column_choices(state: ListState) -> list[dict]:
    chosen = set(state.columns)
    items = [
        {"key": key, "label": COLUMN_LABELS.get(key, key), "checked": key in chosen}
        for key in services.COLUMNS[state.entity]
    ]
    items += [
        {"key": f"custom.{d.key}", "label": d.label, "checked": f"custom.{d.key}" in chosen}
        for d in state.defs
    ]
    return items
