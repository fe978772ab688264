"""Reads of projects for the list, the page and the API, in a fixed number of queries.

`project_filter` parses the list's query parameters once (status, company, member, q,
sort) and collects every bad value, so the API answers 422 and the page shows the
message beside the filter bar. Linked contacts are always cut to those the reader may
see (`contact_visible`). Also here: the `project` filter the contact and company lists
take, registered with the filter language when the app is ready.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.core.models import Membership, Workspace
from rapport.customers.models import Company, Contact
from rapport.customers.selectors import contact_visibility
from rapport.projects.access import MODULE
from rapport.projects.models import (
    Project,
    ProjectCompany,
    ProjectContact,
    ProjectMember,
    ProjectStatus,
)
from rapport.projects.selectors import project_visible

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
DEFAULT_SORT = "name"
MAX_TERMS = 5
MAX_VALUE = 200


@dataclass
class ProjectFilter:
    """The clean filters: conditions for the queryset, the keyset order, the params."""

    conditions: list[Q] = field(default_factory=list)
    order: tuple[str, ...] = SORTS[DEFAULT_SORT]
    params: dict[str, str] = field(default_factory=dict)

    def apply(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        for condition in self.conditions:
            queryset = queryset.filter(condition)
        return queryset


def _positive_id(value: str) -> int | None:
    if value.isascii() and value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    return None


def project_filter(*, actor: Membership, params: dict[str, str | None]) -> ProjectFilter:
    """Parse `status`, `company` (id or `none`), `member` (user id or `me`), `q` and
    `sort`; Invalid names every bad one at once."""
    parsed = ProjectFilter()
    errors: list[dict] = []
    for name, raw in params.items():
        value = (raw or "").strip()
        if not value:
            continue
        if len(value) > MAX_VALUE or "\x00" in value:
            errors.append({"field": name, "message": _("This filter value is too long.")})
            continue
        if name == "status":
            statuses = [s.strip() for s in value.split(",") if s.strip()]
            if not statuses or any(s not in ProjectStatus.values for s in statuses):
                errors.append({"field": name, "message": _("Use active, on_hold or done.")})
                continue
            parsed.conditions.append(Q(status__in=statuses))
        elif name == "company":
            if value == "none":
                parsed.conditions.append(Q(company__isnull=True))
            elif (pk := _positive_id(value)) is not None:
                parsed.conditions.append(Q(company_id=pk))
            else:
                errors.append({"field": name, "message": _("Give a company id or none.")})
                continue
        elif name == "member":
            user_id = actor.user_id if value == "me" else _positive_id(value)
            if user_id is None:
                errors.append({"field": name, "message": _("Give a user id or me.")})
                continue
            members = ProjectMember.objects.filter(
                workspace_id=actor.workspace_id, project_id=OuterRef("pk"), user_id=user_id
            )
            parsed.conditions.append(Q(Exists(members)))
        elif name == "q":
            for term in value.split()[:MAX_TERMS]:
                parsed.conditions.append(Q(name__icontains=term))
        elif name == "sort":
            if value not in SORTS:
                errors.append(
                    {"field": name, "message": _("Sort by name, -name, created or -created.")}
                )
                continue
            parsed.order = SORTS[value]
        else:
            continue
        parsed.params[name] = value
    if errors:
        raise Invalid(
            _("Check the filters: %(names)s.") % {"names": ", ".join(e["field"] for e in errors)},
            errors=errors,
        )
    return parsed


def with_project_details(qs: QuerySet[Project], *, actor: Membership) -> QuerySet[Project]:
    """Company, member ids, visible contact ids and company ids: four queries a page."""
    visible = Contact.objects.filter(workspace_id=actor.workspace_id, pk=OuterRef("contact_id"))
    visible = visible.filter(contact_visibility(actor=actor))
    return qs.select_related("company").prefetch_related(
        Prefetch(
            "memberships",
            queryset=ProjectMember.objects.order_by("user_id"),
            to_attr="member_rows",
        ),
        Prefetch(
            "contact_links",
            queryset=ProjectContact.objects.filter(Exists(visible)).order_by("contact_id"),
            to_attr="visible_contact_rows",
        ),
        Prefetch(
            "company_links",
            queryset=ProjectCompany.objects.order_by("company_id"),
            to_attr="company_rows",
        ),
    )


def project_list(
    *, workspace: Workspace, actor: Membership, parsed: ProjectFilter
) -> QuerySet[Project]:
    return with_project_details(
        parsed.apply(project_visible(workspace=workspace, actor=actor)), actor=actor
    )


def project_members(*, project: Project) -> list[Membership]:
    """The project's members as workspace memberships (name and role), by name."""
    user_ids = ProjectMember.objects.filter(project=project).values("user_id")
    return list(
        Membership.objects.filter(workspace_id=project.workspace_id, user_id__in=user_ids)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def project_contacts(*, project: Project, actor: Membership) -> QuerySet[Contact]:
    """The linked contacts the actor may see."""
    links = ProjectContact.objects.filter(project=project).values("contact_id")
    return (
        Contact.objects.filter(workspace_id=project.workspace_id, pk__in=links)
        .filter(contact_visibility(actor=actor))
        .select_related("company")
        .order_by("last_name", "first_name", "id")
    )


def project_companies(*, project: Project) -> QuerySet[Company]:
    links = ProjectCompany.objects.filter(project=project).values("company_id")
    return Company.objects.filter(workspace_id=project.workspace_id, pk__in=links).order_by(
        "name", "id"
    )


def company_projects(*, workspace: Workspace, actor: Membership, company_id: int):
    """Projects for a company (its client) or linking it, newest first."""
    linked = ProjectCompany.objects.filter(
        workspace=workspace, project_id=OuterRef("pk"), company_id=company_id
    )
    return project_visible(workspace=workspace, actor=actor).filter(
        Q(company_id=company_id) | Q(Exists(linked))
    )


# --- the `project` filter of the contact and company lists ------------------------------


def _project_ids(name: str, value: str, actor: Membership) -> list[int]:
    if not actor.workspace.module_enabled(MODULE):
        raise Invalid(_("%(name)s is not a filter here.") % {"name": name}, field=name)
    parts = [p.strip() for p in value.split(",") if p.strip()]
    ids = [_positive_id(p) for p in parts]
    if not ids or len(ids) > 50 or None in ids:
        raise Invalid(_("Give one or more project ids."), field=name)
    return ids


def contact_project_filter(name: str, value: str, actor: Membership) -> Q:
    links = ProjectContact.objects.filter(
        workspace_id=actor.workspace_id,
        contact_id=OuterRef("pk"),
        project_id__in=_project_ids(name, value, actor),
    )
    return Q(Exists(links))


def company_project_filter(name: str, value: str, actor: Membership) -> Q:
    """Companies a project links, and the company a project is for."""
    ids = _project_ids(name, value, actor)
    links = ProjectCompany.objects.filter(
        workspace_id=actor.workspace_id, company_id=OuterRef("pk"), project_id__in=ids
    )
    client_of = Project.objects.filter(
        workspace_id=actor.workspace_id, company_id=OuterRef("pk"), pk__in=ids
    )
    return Q(Exists(links)) | Q(Exists(client_of))
