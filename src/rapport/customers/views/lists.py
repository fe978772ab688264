"""The lists people live in: contacts, companies, the unclaimed queue, by organisation.

Every list is the visibility selector, the one filter language and a keyset page. The
result count is a separate htmx request, so the list never waits for a COUNT(*). Links
on a list page (sort, next page, filters) carry the whole state in the query string, so
any page can be bookmarked, shared, or saved as a view.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from rapport.core import selectors as core_selectors
from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Invalid, NotFound
from rapport.core.pagination import keyset_page
from rapport.customers import selectors, services
from rapport.customers.forms_lists import (
    COLUMN_LABELS,
    ListState,
    column_choices,
    custom_filter,
    list_state,
    parse_id,
    query_params,
)
from rapport.customers.models import CustomerRole, SavedView
from rapport.customfields.models import FieldType
from rapport.customfields.validation import FieldDef
from rapport.filters import PAGING_PARAMS, sort_options

PEOPLE_PER_COMPANY = 10
COMPANY_CHOICES = 100
MAX_BULK_IDS = 1000

# Filters shown in the "More filters" disclosure (the rest sit in the bar itself).
MORE_FILTERS = {
    "contact": ("source", "company", "is_active", "is_test", "project"),
    "company": ("type", "project"),
}
PROJECT_CHOICES = 200
DATE_FILTERS = ("created_within_days", "created_after", "created_before")


@dataclass(frozen=True)
class Entity:
    key: str
    list_url: str
    count_url: str
    bulk_url: str
    detail_url: str
    new_url: str


ENTITIES = {
    "contact": Entity(
        "contact", "contact_list", "contact_count", "contact_bulk", "contact_detail", "contact_new"
    ),
    "company": Entity(
        "company", "company_list", "company_count", "company_bulk", "company_detail", "company_new"
    ),
}


def _page(state: ListState, queryset):
    """One keyset page, or None when the filters or the cursor are bad (kept in errors)."""
    if state.parsed is None:
        return None
    try:
        return keyset_page(
            state.parsed.apply(queryset),
            order=state.parsed.order,
            limit=state.limit,
            cursor=state.cursor,
        )
    except Invalid as exc:
        state.errors.append({"field": exc.field or "cursor", "message": exc.message})
        return None


# --- columns and cells ----------------------------------------------------------------


def _custom_display(fd: FieldDef, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    labels = dict(fd.options)
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if fd.type in (FieldType.RADIO, FieldType.DROPDOWN):
        return str(labels.get(value, value))
    return str(value)


def _columns(state: ListState) -> list[dict]:
    """Header cells: label, the sort link and the current direction."""
    sortable = set(sort_options(state.entity))
    defs = {d.key: d for d in state.defs}
    current = state.filters.get("sort") or "-created_at"
    result = []
    for key in state.columns:
        custom_key = key.removeprefix("custom.") if key.startswith("custom.") else None
        if custom_key is not None:
            fd = defs.get(custom_key)
            if fd is None:
                continue
            label, sort = fd.label, key
        else:
            label, sort = COLUMN_LABELS.get(key, key), key if key in sortable else None
        col = {"key": key, "label": label, "custom_key": custom_key, "sort": None, "dir": None}
        if sort:
            if current == sort:
                col["dir"], next_sort = "ascending", f"-{sort}"
            elif current == f"-{sort}":
                col["dir"], next_sort = "descending", sort
            else:
                next_sort = sort
            col["sort"] = "?" + state.query(sort=next_sort)
        result.append(col)
    return result


def _with_custom_display(rows: list, state: ListState) -> None:
    defs = {d.key: d for d in state.defs}
    keys = [c.removeprefix("custom.") for c in state.columns if c.startswith("custom.")]
    for row in rows:
        row.custom_display = {
            k: _custom_display(defs[k], (row.custom or {}).get(k)) for k in keys if k in defs
        }


# --- filter bar choices -----------------------------------------------------------------


def _filter_choices(request, state: ListState) -> dict:
    workspace = request.workspace
    choices = {
        "roles": CustomerRole.choices,
        "labels": list(selectors.category_choices(workspace=workspace, kind="labels")),
        "members": list(
            core_selectors.membership_list(workspace=workspace).order_by("user__email")
        ),
        "teams": list(
            core_selectors.team_list(workspace=workspace)
            .prefetch_related(None)
            .order_by("name", "id")
        ),
    }
    if state.entity == "contact":
        choices["sources"] = list(selectors.category_choices(workspace=workspace, kind="sources"))
        companies = selectors.company_visible(workspace=workspace, actor=request.membership)
        chosen = parse_id(state.filters.get("company"))
        choices["companies"] = list(
            companies.order_by("name", "id").only("id", "name")[:COMPANY_CHOICES]
        )
        if chosen and chosen not in {c.pk for c in choices["companies"]}:
            choices["companies"] += list(companies.filter(pk=chosen).only("id", "name"))
    else:
        choices["types"] = list(
            selectors.category_choices(workspace=workspace, kind="company-types")
        )
    if workspace.module_enabled("projects"):
        from rapport.projects.selectors import project_visible

        projects = project_visible(workspace=workspace, actor=request.membership)
        choices["projects"] = list(
            projects.order_by("name", "id").only("id", "name")[:PROJECT_CHOICES]
        )
        chosen = parse_id(state.filters.get("project"))
        if chosen and chosen not in {p.pk for p in choices["projects"]}:
            choices["projects"] += list(projects.filter(pk=chosen).only("id", "name"))
    more = (*MORE_FILTERS[state.entity], *DATE_FILTERS)
    choices["more_open"] = any(
        k in state.filters for k in more if k != "is_test" or state.entity == "contact"
    ) or any(k.startswith("custom.") for k in state.filters)
    choices["custom_filters"] = [custom_filter(fd, state.filters) for fd in state.defs]
    return choices


def _views(request, entity: str) -> list[SavedView]:
    return list(
        selectors.saved_view_list(
            workspace=request.workspace, actor=request.membership, entity=entity
        ).select_related("owner")
    )


def _list_context(request, state: ListState, page) -> dict:
    ent = ENTITIES[state.entity]
    view = state.view
    return {
        "state": state,
        "entity": ent,
        "page": page,
        "rows": page.items if page else [],
        "columns": _columns(state),
        "list_query": state.query(),
        "list_query_with_cursor": urlencode(state.pairs(cursor=True)),
        # What the filter bar and the column chooser carry besides their own fields.
        "keep_for_filters": [
            (k, v) for k, v in state.pairs() if k in ("sort", "columns", "view", "limit")
        ],
        "keep_for_columns": [(k, v) for k, v in state.pairs() if k != "columns"],
        "next_query": (
            urlencode([*state.pairs(), ("cursor", page.next)]) if page and page.next else ""
        ),
        "views": _views(request, state.entity),
        "view_manageable": view is not None
        and (view.owner_id == request.membership.user_id or request.membership.is_admin),
        "all_columns": column_choices(state),
        "sorts": sort_options(state.entity),
        **_filter_choices(request, state),
    }


def _list(request, entity: str, template: str):
    state = list_state(request, entity)
    workspace, actor = request.workspace, request.membership
    if entity == "contact":
        base = selectors.with_contact_details(
            selectors.contact_visible(workspace=workspace, actor=actor)
        )
    else:
        base = selectors.with_company_details(
            selectors.company_visible(workspace=workspace, actor=actor)
        )
    page = _page(state, base)
    if page is not None:
        _with_custom_display(page.items, state)
    context = _list_context(request, state, page)
    status = 422 if state.errors and page is None else 200
    return render(request, template, context, status=status)


@require_GET
@workspace_view()
def contact_list(request):
    return _list(request, "contact", "customers/lists/contacts.html")


@require_GET
@workspace_view()
def company_list(request):
    return _list(request, "company", "customers/lists/companies.html")


def _count(request, entity: str):
    state = list_state(request, entity)
    workspace, actor = request.workspace, request.membership
    n = None
    if state.parsed is not None:
        if entity == "contact":
            qs = selectors.contact_visible(workspace=workspace, actor=actor)
        else:
            qs = selectors.company_visible(workspace=workspace, actor=actor)
        n = state.parsed.apply(qs).count()
    return render(request, "customers/lists/partials/count.html", {"n": n, "entity": entity})


@require_GET
@workspace_view()
def contact_count(request):
    return _count(request, "contact")


@require_GET
@workspace_view()
def company_count(request):
    return _count(request, "company")


# --- the unclaimed queue and the by-organisation view -------------------------------------


@require_GET
@workspace_view()
def contact_unclaimed(request):
    state = list_state(request, "contact")
    workspace, actor = request.workspace, request.membership
    visible = selectors.contact_visible(workspace=workspace, actor=actor)
    page = _page(state, selectors.with_contact_details(visible.filter(owner__isnull=True)))
    context = {
        "state": state,
        "page": page,
        "rows": page.items if page else [],
        "list_query": state.query(),
        "count_query": urlencode(
            [*(p for p in state.pairs() if p[0] != "owner"), ("owner", "none")]
        ),
        "next_query": (
            urlencode([*state.pairs(), ("cursor", page.next)]) if page and page.next else ""
        ),
        "here": request.get_full_path(),
    }
    status = 422 if state.errors and page is None else 200
    return render(request, "customers/lists/unclaimed.html", context, status=status)


def people_of(*, workspace, actor, company_ids: list[int]) -> dict[int, dict]:
    """The first visible people of each company, in one query: {company_id: {people, more}}."""
    if not company_ids:
        return {}
    order = [F("last_name").asc(), F("first_name").asc(), F("id").asc()]
    rows = (
        selectors.contact_visible(workspace=workspace, actor=actor)
        .filter(company_id__in=company_ids, is_test=False)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("company_id")], order_by=order),
            total=Window(Count("id"), partition_by=[F("company_id")]),
        )
        .filter(rank__lte=PEOPLE_PER_COMPANY)
        .order_by("company_id", "rank")
    )
    result: dict[int, dict] = {}
    for contact in rows:
        entry = result.setdefault(contact.company_id, {"people": [], "more": 0})
        entry["people"].append(contact)
        entry["more"] = (
            contact.total - PEOPLE_PER_COMPANY if contact.total > PEOPLE_PER_COMPANY else 0
        )
    return result


@require_GET
@workspace_view()
def company_people(request):
    state = list_state(request, "company", sort="name")
    workspace, actor = request.workspace, request.membership
    base = selectors.company_visible(workspace=workspace, actor=actor).select_related("type")
    page = _page(state, base)
    companies = page.items if page else []
    people = people_of(workspace=workspace, actor=actor, company_ids=[c.pk for c in companies])
    for company in companies:
        entry = people.get(company.pk, {"people": [], "more": 0})
        company.people, company.more_people = entry["people"], entry["more"]
    pairs = [p for p in state.pairs() if p[0] != "sort"]
    context = {
        "state": state,
        "page": page,
        "rows": companies,
        "list_query": urlencode(pairs),
        "next_query": urlencode([*pairs, ("cursor", page.next)]) if page and page.next else "",
        "labels": list(selectors.category_choices(workspace=workspace, kind="labels")),
        "roles": CustomerRole.choices,
    }
    status = 422 if state.errors and page is None else 200
    return render(request, "customers/lists/people.html", context, status=status)


# --- bulk actions -----------------------------------------------------------------------


def _back(request, entity: str) -> str:
    """The list the form came from, filters kept; only its query string is taken over."""
    query = QueryDict(request.POST.get("query", "")[:4000])
    url = reverse(ENTITIES[entity].list_url, args=[request.workspace.slug])
    return f"{url}?{query.urlencode()}" if query else url


def _bulk_ids(request) -> list[int]:
    ids = [parse_id(v) for v in request.POST.getlist("ids")[: MAX_BULK_IDS + 1]]
    return [i for i in ids if i is not None]


def _bulk_value(request, action: str):
    if action in ("add_label", "remove_label"):
        return request.POST.get("label", "")
    if action == "share":
        return request.POST.get("team", "")
    if action == "set_owner":
        owner = request.POST.get("owner", "")
        if owner == "":
            raise Invalid(_("Choose the new owner."), field="owner")
        return None if owner == "none" else owner
    return None


def _bulk_message(entity: str, result: services.BulkResult) -> str:
    if entity == "contact":
        text = ngettext("%(n)d contact changed.", "%(n)d contacts changed.", result.changed) % {
            "n": result.changed
        }
    else:
        text = ngettext("%(n)d company changed.", "%(n)d companies changed.", result.changed) % {
            "n": result.changed
        }
    if result.skipped:
        text += " " + ngettext(
            "%(n)d skipped (nothing to change, or you don't manage it).",
            "%(n)d skipped (nothing to change, or you don't manage them).",
            result.skipped,
        ) % {"n": result.skipped}
    return text


def _bulk(request, entity: str):
    workspace, actor = request.workspace, request.membership
    back = _back(request, entity)
    action = request.POST.get("action", "")
    ids = _bulk_ids(request)
    if action == "delete" and request.POST.get("confirmed") != "yes" and ids:
        return _confirm_delete(request, entity, ids)
    run = services.contact_bulk if entity == "contact" else services.company_bulk
    try:
        value = _bulk_value(request, action)
        result = run(workspace=workspace, actor=actor, ids=ids, action=action, value=value)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        level = messages.success if result.changed else messages.warning
        level(request, _bulk_message(entity, result))
    return redirect(back)


def _confirm_delete(request, entity: str, ids: list[int]):
    workspace, actor = request.workspace, request.membership
    if entity == "contact":
        qs = selectors.contact_visible(workspace=workspace, actor=actor)
        qs = qs.order_by("last_name", "first_name", "id")
    else:
        qs = selectors.company_visible(workspace=workspace, actor=actor).order_by("name", "id")
    records = list(qs.filter(pk__in=ids)[:MAX_BULK_IDS])
    context = {
        "entity": ENTITIES[entity],
        "records": records[:20],
        "more": max(0, len(records) - 20),
        "ids": [r.pk for r in records],
        "n": len(records),
        "list_query": request.POST.get("query", "")[:4000],
        "back": _back(request, entity),
    }
    return render(request, "customers/lists/confirm_delete.html", context)


@require_POST
@workspace_view()
def contact_bulk(request):
    return _bulk(request, "contact")


@require_POST
@workspace_view()
def company_bulk(request):
    return _bulk(request, "company")


# --- saved views ------------------------------------------------------------------------


def _errors_text(exc: DomainError) -> str:
    if exc.errors:
        return " ".join(dict.fromkeys(str(e["message"]) for e in exc.errors))
    return exc.message


def _view_data(request, entity: str) -> dict:
    params = query_params(QueryDict(request.POST.get("query", "")[:4000]))
    data = {"filters": {k: v for k, v in params.items() if k not in PAGING_PARAMS}}
    if params.get("columns"):
        data["columns"] = params["columns"]
    elif not params.get("view"):
        data["columns"] = list(services.DEFAULT_COLUMNS[entity])
    return data


@require_POST
@workspace_view()
def saved_view_create(request):
    entity = request.POST.get("entity", "")
    if entity not in ENTITIES:
        raise Http404("No such list.")
    data = {
        "entity": entity,
        "name": request.POST.get("name", ""),
        "shared": request.POST.get("shared") == "on",
        **_view_data(request, entity),
    }
    try:
        view = services.saved_view_create(
            workspace=request.workspace, actor=request.membership, data=data
        )
    except Invalid as exc:
        messages.error(request, _errors_text(exc))
        return redirect(_back(request, entity))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    url = reverse(ENTITIES[entity].list_url, args=[request.workspace.slug])
    return redirect(f"{url}?view={view.pk}")


VIEW_ACTIONS = ("rename", "update", "delete")


@require_POST
@workspace_view()
def saved_view_action(request, view_id: int, action: str):
    if action not in VIEW_ACTIONS:
        raise Http404("No such action.")
    workspace, actor = request.workspace, request.membership
    try:
        view = selectors.saved_view_get(workspace=workspace, actor=actor, view_id=view_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    url = reverse(ENTITIES[view.entity].list_url, args=[workspace.slug])
    try:
        if action == "delete":
            services.saved_view_delete(workspace=workspace, actor=actor, view_id=view.pk)
            messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
            return redirect(url)
        if action == "rename":
            data = {"name": request.POST.get("name", "")}
        else:
            data = _view_data(request, view.entity)
            data.setdefault("columns", view.columns)
        view = services.saved_view_update(
            workspace=workspace, actor=actor, view_id=view.pk, data=data
        )
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, _errors_text(exc))
    return redirect(f"{url}?view={view.pk}")


urlpatterns = [
    path("contacts/", contact_list, name="contact_list"),
    path("contacts/count/", contact_count, name="contact_count"),
    path("contacts/bulk/", contact_bulk, name="contact_bulk"),
    path("contacts/unclaimed/", contact_unclaimed, name="contact_unclaimed"),
    path("companies/", company_list, name="company_list"),
    path("companies/count/", company_count, name="company_count"),
    path("companies/bulk/", company_bulk, name="company_bulk"),
    path("companies/people/", company_people, name="company_people"),
    path("views/", saved_view_create, name="saved_view_create"),
    path("views/<id:view_id>/<slug:action>/", saved_view_action, name="saved_view_action"),
]
