"""User list pages: the lists, a list with its members, the builder, download, delete.

The builder reuses the contacts list's filter bar: its fields are the list's filter, and
applying them reloads the builder with a preview (the filter in words and a live count)
before the list is saved. Counts load by htmx after the page, so no page waits for a
COUNT over a million contacts.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Invalid, NotFound
from rapport.core.pagination import keyset_page
from rapport.customers.forms_lists import ListState
from rapport.customers.selectors import with_contact_details
from rapport.customers.services._common import parse_id
from rapport.customers.views.lists import _filter_choices
from rapport.customfields.validation import definitions
from rapport.dataio.exporting import CONTACT_COLUMNS, parse_column_keys
from rapport.lists import downloads, selectors, services
from rapport.lists.forms import MAX_QUERY, UserListForm, filter_from_query
from rapport.lists.models import UserList

MODULE = "lists"
PAGE_SIZE = 50


@dataclass(frozen=True)
class BuilderEntity:
    """What the contacts filter bar needs to know about the page it sits on."""

    list_url: str
    key: str = "contact"


@dataclass
class BuilderState(ListState):
    clearable: bool = True

    @property
    def filtered(self) -> bool:
        # Editing a list, "Clear filters" would lead to a new list: the bar hides it.
        return self.clearable and any(k != "sort" for k in self.filters)


def _get(request, list_id: int) -> UserList:
    try:
        return selectors.user_list_get(
            workspace=request.workspace, actor=request.membership, list_id=list_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _cursor_page(request, queryset, order):
    """A keyset page, or (None, message) when the cursor in the URL is bad."""
    try:
        page = keyset_page(
            queryset, order=order, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None
        )
    except Invalid as exc:
        return None, exc.message
    return page, None


# --- the lists ---------------------------------------------------------------------------


@require_GET
@workspace_view(module=MODULE)
def list_index(request):
    lists = selectors.user_list_all(workspace=request.workspace, actor=request.membership)
    page, error = _cursor_page(request, lists, ("name_key", "id"))
    context = {
        "page": page,
        "rows": page.items if page else [],
        "cursor_error": error,
        "cursor": request.GET.get("cursor"),
    }
    return render(request, "lists/index.html", context, status=422 if error else 200)


@require_GET
@workspace_view(module=MODULE)
def list_count(request, list_id: int):
    user_list = _get(request, list_id)
    read = selectors.read_filter(
        workspace=request.workspace, actor=request.membership, params=user_list.filter
    )
    return _count(request, read, f"list-count-{user_list.pk}")


@require_GET
@workspace_view(module=MODULE)
def list_preview_count(request):
    read = selectors.read_filter(
        workspace=request.workspace,
        actor=request.membership,
        params=filter_from_query(request.GET),
    )
    return _count(request, read, "list-preview-count")


def _count(request, read: selectors.ListFilter, dom_id: str):
    n = None
    if read.usable:
        members = selectors.user_list_members(
            workspace=request.workspace, actor=request.membership, read=read
        )
        n = members.count()
    return render(request, "lists/partials/count.html", {"n": n, "dom_id": dom_id})


# --- one list ----------------------------------------------------------------------------


def _csv_choices(chosen: list[str]) -> list[dict]:
    return [
        {"key": key, "label": CONTACT_COLUMNS[key].title, "checked": key in chosen}
        for key in downloads.OFFERED_COLUMNS
    ]


@require_GET
@workspace_view(module=MODULE)
def list_detail(request, list_id: int):
    workspace, actor = request.workspace, request.membership
    user_list = _get(request, list_id)
    read = selectors.read_filter(workspace=workspace, actor=actor, params=user_list.filter)
    page, error = None, None
    if read.usable:
        members = selectors.user_list_members(workspace=workspace, actor=actor, read=read)
        page, error = _cursor_page(request, with_contact_details(members), read.parsed.order)
    cursor = request.GET.get("cursor")
    context = {
        "user_list": user_list,
        "read": read,
        "terms": [t for t in read.terms if not t.default],
        "default_terms": [t for t in read.terms if t.default],
        "page": page,
        "rows": page.items if page else [],
        "cursor": cursor,
        "cursor_error": error,
        "next_query": urlencode({"cursor": page.next}) if page and page.next else "",
        "may_manage": selectors.may_manage_list(actor=actor, user_list=user_list),
        "csv_columns": _csv_choices(downloads.DEFAULT_COLUMNS),
    }
    return render(request, "lists/detail.html", context, status=422 if error else 200)


@require_GET
@workspace_view(module=MODULE)
def list_csv(request, list_id: int):
    user_list = _get(request, list_id)
    keys = parse_column_keys(request.GET.getlist("columns"))
    try:
        return downloads.members_csv(actor=request.membership, user_list=user_list, keys=keys)
    except Invalid as exc:
        messages.error(request, _errors_text(exc))
        return redirect("list_detail", request.workspace.slug, user_list.pk)


def _errors_text(exc: DomainError) -> str:
    if exc.errors:
        return " ".join(dict.fromkeys(str(e["message"]) for e in exc.errors))
    return exc.message


@require_http_methods(["GET", "POST"])
@workspace_view(module=MODULE)
def list_delete(request, list_id: int):
    user_list = _get(request, list_id)
    if not selectors.may_manage_list(actor=request.membership, user_list=user_list):
        raise PermissionDenied
    if request.method == "POST":
        services.user_list_delete(
            workspace=request.workspace, actor=request.membership, list_id=user_list.pk
        )
        messages.success(request, _("List “%(name)s” deleted.") % {"name": user_list.name})
        return redirect("list_index", request.workspace.slug)
    return render(request, "lists/delete.html", {"user_list": user_list})


# --- the builder -------------------------------------------------------------------------


def _builder(request, user_list: UserList | None, *, filters, form, filter_errors=(), status=200):
    workspace, actor = request.workspace, request.membership
    defs = definitions(workspace=workspace, entity="contact")
    state = BuilderState(
        entity="contact", filters=filters, columns=[], defs=defs, clearable=user_list is None
    )
    read = selectors.read_filter(workspace=workspace, actor=actor, params=filters)
    context = {
        "user_list": user_list,
        "state": state,
        "entity": BuilderEntity("list_new" if user_list is None else "list_refilter"),
        "keep_for_filters": [("list", str(user_list.pk))] if user_list else [],
        "read": read,
        "terms": [t for t in read.terms if not t.default],
        "default_terms": [t for t in read.terms if t.default],
        # The service judges the filter as `read` does; its own errors add shape problems.
        "filter_errors": read.errors or list(filter_errors),
        "preview_query": urlencode(filters),
        "form": form,
        **_filter_choices(request, state),
    }
    return render(request, "lists/builder.html", context, status=status)


def _save(request, user_list: UserList | None):
    form = UserListForm(request.POST)
    filters = filter_from_query(QueryDict(request.POST.get("query", "")[:MAX_QUERY]))
    if not form.is_valid():
        return _builder(request, user_list, filters=filters, form=form, status=422)
    workspace, actor = request.workspace, request.membership
    try:
        if user_list is None:
            user_list = services.user_list_create(
                workspace=workspace, actor=actor, data=form.data_for_service()
            )
            messages.success(request, _("List “%(name)s” created.") % {"name": user_list.name})
        else:
            user_list = services.user_list_update(
                workspace=workspace, actor=actor, list_id=user_list.pk, data=form.data_for_service()
            )
            messages.success(request, _("List “%(name)s” saved.") % {"name": user_list.name})
    except Invalid as exc:
        filter_errors = form.take(exc)
        return _builder(
            request, user_list, filters=filters, form=form, filter_errors=filter_errors, status=422
        )
    return redirect("list_detail", workspace.slug, user_list.pk)


@require_http_methods(["GET", "POST"])
@workspace_view(module=MODULE)
def list_new(request):
    if request.method == "POST":
        return _save(request, None)
    filters = filter_from_query(request.GET)
    form = UserListForm(initial={"query": urlencode(filters)})
    return _builder(request, None, filters=filters, form=form)


@require_http_methods(["GET", "POST"])
@workspace_view(module=MODULE)
def list_edit(request, list_id: int):
    user_list = _get(request, list_id)
    if not selectors.may_manage_list(actor=request.membership, user_list=user_list):
        raise PermissionDenied
    if request.method == "POST":
        return _save(request, user_list)
    # First visit: the stored filter; after "Apply" in the bar: the bar's fields, even none.
    applied = request.GET.get("applied") == "1"
    filters = filter_from_query(request.GET) if applied else dict(user_list.filter)
    form = UserListForm(
        initial={
            "name": user_list.name,
            "description": user_list.description,
            "query": urlencode(filters),
        }
    )
    return _builder(request, user_list, filters=filters, form=form)


@require_GET
@workspace_view(module=MODULE)
def list_refilter(request):
    """The filter bar's target while editing: back to the list's builder with the fields."""
    list_id = parse_id(request.GET.get("list"))
    if list_id is None:
        raise Http404("No such list.")
    user_list = _get(request, list_id)
    query = urlencode([*filter_from_query(request.GET).items(), ("applied", "1")])
    url = reverse("list_edit", args=[request.workspace.slug, user_list.pk])
    return HttpResponseRedirect(f"{url}?{query}")
