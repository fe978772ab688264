"""Project pages: the list, a project's page, its form, its deletion and its timeline.

Resolve the membership, parse, call one service or selector, render. Every staff member
reads every project; the services refuse changes by people who are neither members of
the project nor admins, and these pages hide the buttons they would refuse. The module
switched off is a 404 on every route (`workspace_view(module=...)`).
"""

from email.utils import parseaddr

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from rapport.core import selectors as core_selectors
from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Forbidden, Invalid, NotFound
from rapport.core.models import Activity
from rapport.core.pagination import keyset_page
from rapport.customers import selectors as customer_selectors
from rapport.customers.models import Company
from rapport.projects import access
from rapport.projects import selectors_projects as reads
from rapport.projects.durations import minutes_text
from rapport.projects.forms import ProjectForm
from rapport.projects.models import Project, ProjectStatus
from rapport.projects.selectors import project_get
from rapport.projects.services import projects as services

PER_PAGE = 50
TIMELINE_PER_PAGE = 20
CHOICES = 500  # plain pickers; a search-backed picker can replace them for huge workspaces
FILTER_COMPANIES = 200
PANEL_PROJECTS = 10

VERBS = {
    "project.created": gettext_lazy("created this project"),
    "project.updated": gettext_lazy("edited this project"),
    "project.deleted": gettext_lazy("deleted this project"),
}
# What a company's timeline says about its projects (the summary names the project).
COMPANY_VERBS = {
    "project.created": gettext_lazy("started a project for this company"),
    "project.updated": gettext_lazy("edited a project for this company"),
    "project.deleted": gettext_lazy("deleted a project for this company"),
}
FIELDS = {
    "name": gettext_lazy("Name"),
    "description": gettext_lazy("Description"),
    "status": gettext_lazy("Status"),
    "company": gettext_lazy("Company"),
    "track_time": gettext_lazy("Track time"),
    "emails_from": gettext_lazy("Emails sent from"),
    "members": gettext_lazy("Members"),
    "contacts": gettext_lazy("Linked contacts"),
    "companies": gettext_lazy("Linked companies"),
}
STATUS_FILTERS = [("", gettext_lazy("Any status")), *ProjectStatus.choices]
SORT_LABELS = {
    "name": gettext_lazy("Name, A to Z"),
    "-name": gettext_lazy("Name, Z to A"),
    "-created": gettext_lazy("Newest first"),
    "created": gettext_lazy("Oldest first"),
}


def _project(request, project_id: int) -> Project:
    try:
        return project_get(
            workspace=request.workspace, actor=request.membership, project_id=project_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _default_sender() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


# --- list -----------------------------------------------------------------------------


def _filter_companies(request, chosen: str) -> list[Company]:
    ws, actor = request.workspace, request.membership
    companies = customer_selectors.company_visible(workspace=ws, actor=actor)
    # Companies projects are for come first: they are what people filter by.
    with_projects = companies.filter(projects__isnull=False).distinct()
    rows = list(with_projects.order_by("name", "id").only("id", "name")[:FILTER_COMPANIES])
    pk = reads._positive_id(chosen) if chosen else None
    if pk and pk not in {c.pk for c in rows}:
        rows += list(companies.filter(pk=pk).only("id", "name"))
    return rows


@require_GET
@workspace_view(module="projects")
def project_list(request):
    ws, actor = request.workspace, request.membership
    names = ("status", "company", "member", "q", "sort")
    raw = {name: request.GET.get(name, "").strip() for name in names}
    errors: list[dict] = []
    page = None
    try:
        parsed = reads.project_filter(actor=actor, params=raw)
        page = keyset_page(
            reads.project_list(workspace=ws, actor=actor, parsed=parsed),
            order=parsed.order,
            limit=PER_PAGE,
            cursor=request.GET.get("cursor") or None,
        )
    except Invalid as exc:
        errors = exc.errors or [{"field": "", "message": exc.message}]
    rows = page.items if page else []
    for row in rows:
        row.member_ids = [m.user_id for m in row.member_rows]
        row.minutes_display = minutes_text(row.minutes_total)
    filters = {k: v for k, v in raw.items() if v}
    keep = [(k, v) for k, v in filters.items()]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "filtered": any(k != "sort" for k in filters),
        "filter_errors": errors,
        "show_minutes": any(r.track_time for r in rows),
        "statuses": STATUS_FILTERS,
        "sorts": list(SORT_LABELS.items()),
        "current_sort": filters.get("sort", reads.DEFAULT_SORT),
        "companies": _filter_companies(request, filters.get("company", "")),
        "members": list(
            core_selectors.membership_list(workspace=ws).order_by("user__name", "user__email")
        ),
        "cursor": request.GET.get("cursor") or "",
        "next_query": _query([*keep, ("cursor", page.next)]) if page and page.next else "",
        "first_query": _query(keep),
    }
    return render(request, "projects/project_list.html", context)


def _query(pairs) -> str:
    from urllib.parse import urlencode

    return urlencode(pairs)


# --- form -----------------------------------------------------------------------------


def _form(request, data=None, *, project: Project | None = None, initial=None) -> ProjectForm:
    ws, actor = request.workspace, request.membership
    members = core_selectors.membership_list(workspace=ws).order_by("user__name", "user__email")
    companies = list(
        customer_selectors.company_visible(workspace=ws, actor=actor)
        .order_by("name", "id")
        .only("id", "name")[:CHOICES]
    )
    contacts = list(
        customer_selectors.contact_visible(workspace=ws, actor=actor)
        .filter(is_test=False)
        .select_related("company")
        .order_by("last_name", "first_name", "id")[:CHOICES]
    )
    if project is not None:
        # The project's own links stay pickable past the cut-off.
        known = {c.pk for c in companies}
        companies += [c for c in reads.project_companies(project=project) if c.pk not in known]
        if project.company_id and project.company_id not in known | {c.pk for c in companies}:
            companies.append(project.company)
        known = {c.pk for c in contacts}
        contacts += [
            c for c in reads.project_contacts(project=project, actor=actor) if c.pk not in known
        ]
    kwargs = {"initial": initial} if initial else {}
    return ProjectForm(data, members=members, companies=companies, contacts=contacts, **kwargs)


def _initial(request, project: Project) -> dict:
    actor = request.membership
    return {
        "name": project.name,
        "description": project.description,
        "status": project.status,
        "company_id": str(project.company_id or ""),
        "member_ids": [str(m.user_id) for m in reads.project_members(project=project)],
        "contact_ids": [
            str(pk)
            for pk in reads.project_contacts(project=project, actor=actor).values_list(
                "pk", flat=True
            )
        ],
        "company_ids": [
            str(pk) for pk in reads.project_companies(project=project).values_list("pk", flat=True)
        ],
        "track_time": project.track_time,
        "emails_from": project.emails_from,
    }


def _refused(form, exc: DomainError) -> None:
    """Every error of a refusal beside the field it names, the rest above the form."""
    errors = exc.errors if isinstance(exc, Invalid) and exc.errors else []
    if not errors:
        form.add_error(None, exc.message)
    for error in errors:
        name = error.get("field")
        form.add_error(name if name in form.fields else None, error["message"])


def _form_page(request, context: dict, status: int = 200):
    return render(request, "projects/project_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view(module="projects")
def project_new(request):
    ws, actor = request.workspace, request.membership
    if request.method == "POST":
        form = _form(request, request.POST)
        form.is_valid()
        try:
            project = services.create_project(workspace=ws, actor=actor, data=form.to_data())
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            _refused(form, exc)
            return _form_page(request, {"form": form}, status=exc.status)
        messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
        return redirect("project_detail", ws.slug, project.pk)
    initial = {
        "status": ProjectStatus.ACTIVE,
        "member_ids": [str(actor.user_id)],
        "emails_from": _default_sender(),
    }
    company = request.GET.get("company", "")
    if reads._positive_id(company):
        initial["company_id"] = company
    return _form_page(request, {"form": _form(request, initial=initial)})


@require_http_methods(["GET", "POST"])
@workspace_view(module="projects")
def project_edit(request, project_id: int):
    ws, actor = request.workspace, request.membership
    project = _project(request, project_id)
    can_edit = access.can_edit(actor, project)
    context = {"project": project, "can_edit": can_edit}
    if request.method == "POST":
        form = _form(request, request.POST, project=project)
        form.is_valid()
        try:
            services.update_project(
                workspace=ws, actor=actor, project_id=project.pk, data=form.to_data()
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            _refused(form, exc)
            status = exc.status
            if isinstance(exc, Forbidden):
                context["can_edit"] = False
        else:
            messages.success(request, _("Project “%(name)s” saved.") % {"name": project.name})
            return redirect("project_detail", ws.slug, project.pk)
        return _form_page(request, {**context, "form": form}, status=status)
    form = _form(request, project=project, initial=_initial(request, project))
    return _form_page(request, {**context, "form": form}, status=200 if can_edit else 403)


@require_http_methods(["GET", "POST"])
@workspace_view(module="projects")
def project_delete(request, project_id: int):
    ws, actor = request.workspace, request.membership
    project = _project(request, project_id)
    context = {"project": project, "can_edit": access.can_edit(actor, project)}
    if request.method == "POST":
        try:
            services.delete_project(workspace=ws, actor=actor, project_id=project.pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            context.update(can_edit=False, error=exc.message)
            return render(request, "projects/project_delete.html", context, status=exc.status)
        messages.success(request, _("Project “%(name)s” deleted.") % {"name": project.name})
        return redirect("project_list", ws.slug)
    status = 200 if context["can_edit"] else 403
    return render(request, "projects/project_delete.html", context, status=status)


# --- the project's page -----------------------------------------------------------------


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _change_rows(activity: Activity, people: dict, companies: dict) -> list[tuple]:
    statuses = dict(ProjectStatus.choices)
    rows = []
    for name, pair in (activity.changes or {}).items():
        if not isinstance(pair, list) or len(pair) != 2:
            continue
        old, new = pair
        label = str(FIELDS.get(name, name))
        if name == "description" or name == "contacts":
            rows.append((label, None, None))  # long text, or contacts a reader may not see
            continue
        if name == "status":
            old, new = statuses.get(old, old), statuses.get(new, new)
        elif name == "members":
            old = [people.get(pk, f"#{pk}") for pk in old or []]
            new = [people.get(pk, f"#{pk}") for pk in new or []]
        elif name == "companies":
            old = [companies.get(pk, f"#{pk}") for pk in old or []]
            new = [companies.get(pk, f"#{pk}") for pk in new or []]
        rows.append((label, _shown(old), _shown(new)))
    return rows


def _timeline(request, project: Project, cursor: str | None = None) -> dict:
    qs = Activity.objects.filter(
        workspace=request.workspace, target_type="project", target_id=project.pk
    ).select_related("actor", "acting_as")
    try:
        page = keyset_page(qs, order=("-at", "-id"), limit=TIMELINE_PER_PAGE, cursor=cursor)
    except Invalid as exc:
        raise Http404(exc.message) from exc
    ids = {"members": set(), "companies": set()}
    for a in page.items:
        for key in ids:
            pair = (a.changes or {}).get(key)
            if isinstance(pair, list) and len(pair) == 2:
                ids[key].update(pk for side in pair for pk in side or [] if isinstance(pk, int))
    people = {}
    if ids["members"]:
        people = {
            m.user_id: m.user.display_name
            for m in core_selectors.membership_list(workspace=request.workspace).filter(
                user_id__in=ids["members"]
            )
        }
    companies = {}
    if ids["companies"]:
        companies = dict(
            Company.objects.filter(
                workspace=request.workspace, pk__in=ids["companies"]
            ).values_list("pk", "name")
        )
    for a in page.items:
        a.verb_text = VERBS.get(a.verb)
        a.change_rows = _change_rows(a, people, companies)
    return {
        "timeline": page,
        "timeline_url": reverse("project_timeline", args=[request.workspace.slug, project.pk]),
    }


@require_GET
@workspace_view(module="projects")
def project_detail(request, project_id: int):
    actor = request.membership
    project = _project(request, project_id)
    context = {
        "project": project,
        "can_edit": access.can_edit(actor, project),
        "members": reads.project_members(project=project),
        "contacts": list(reads.project_contacts(project=project, actor=actor)),
        "companies": list(reads.project_companies(project=project)),
        "minutes_display": minutes_text(project.minutes_total),
        **_timeline(request, project),
    }
    return render(request, "projects/project_detail.html", context)


@require_GET
@workspace_view(module="projects")
def project_timeline(request, project_id: int):
    """Older timeline entries ("Show older"): the items for htmx, else the whole page."""
    project = _project(request, project_id)
    context = {"project": project, **_timeline(request, project, request.GET.get("cursor"))}
    if request.htmx:
        return render(request, "projects/partials/project_timeline_items.html", context)
    return render(request, "projects/project_timeline.html", context)


# --- the company page's projects panel --------------------------------------------------


def _company_panel(request, company):
    from rapport.customers.views.records import Panel

    ws, actor = request.workspace, request.membership
    if not ws.module_enabled(access.MODULE):
        return None
    projects = list(
        reads.company_projects(workspace=ws, actor=actor, company_id=company.pk).order_by(
            "-created_at", "-id"
        )[: PANEL_PROJECTS + 1]
    )
    list_url = reverse("project_list", args=[ws.slug])
    return Panel(
        key="projects",
        title=gettext_lazy("Projects"),
        # With projects, the list of this company's; without, the list of all of them.
        url=f"{list_url}?company={company.pk}" if projects else list_url,
        link_label=_("All") if projects else _("Open"),
        empty=_("No projects yet"),
        template="projects/partials/project_company_panel.html",
        context={
            "projects": projects[:PANEL_PROJECTS],
            "more": len(projects) > PANEL_PROJECTS,
            "new_url": reverse("project_new", args=[ws.slug]) + f"?company={company.pk}",
        },
    )


def register_company_panel() -> None:
    """Put the company page's projects panel in place of the placeholder, and teach the
    company timeline the words for project events.

    Called when this module loads, which the URL configuration does before any page is
    served: the customer pages' module can only be imported once the `id` path
    converter exists, so app loading (`ready`) is too early."""
    from rapport.customers.views import records

    records.company_panel("projects")(_company_panel)
    records.VERBS.update(COMPANY_VERBS)


register_company_panel()


urlpatterns = [
    path("projects/", project_list, name="project_list"),
    path("projects/new/", project_new, name="project_new"),
    path("projects/<id:project_id>/", project_detail, name="project_detail"),
    path("projects/<id:project_id>/edit/", project_edit, name="project_edit"),
    path("projects/<id:project_id>/delete/", project_delete, name="project_delete"),
    path("projects/<id:project_id>/timeline/", project_timeline, name="project_timeline"),
]
