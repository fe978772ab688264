"""Writes to projects: create, change, delete.

Any staff member may start a project (and becomes one of its members); changing or
deleting one needs membership of it or the admin role (`access.require_editor`). Field
errors are collected and refused together, in the API's field names, so a form shows
them all beside their fields. Linked contacts the actor may not see are neither shown to
nor removable by them: a change keeps them linked.
"""

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.core.errors import Errors, NotFound
from rapport.core.models import Membership, Workspace
from rapport.customers.selectors import company_visible, contact_visible
from rapport.customers.services import _common as c
from rapport.projects import access, activity
from rapport.projects.models import (
    Phase,
    Project,
    ProjectCompany,
    ProjectContact,
    ProjectMember,
    ProjectStatus,
    Task,
)
from rapport.search import index as search_index

NAME_MAX = 200
DESCRIPTION_MAX = 20_000
EMAIL_MAX = 254
# A project bundles a handful of records; hundreds at once is a script gone wrong.
MAX_LINKS = 500
SCALARS = ("name", "description", "status", "company", "track_time", "emails_from")


def _text(errors: Errors, data: dict, name: str, limit: int, *, multiline=False) -> str | None:
    value = data[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter text."))
        return None
    value = value.strip()
    if len(value) > limit:
        errors.add(name, _("Use at most %(n)d characters.") % {"n": limit})
        return None
    allowed = "\n\r\t" if multiline else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        errors.add(name, _("Remove the control characters."))
        return None
    return value


def _clean(
    workspace: Workspace, actor: Membership, data: dict, project: Project | None
) -> dict[str, Any]:
    """The values to write, from the keys present in `data` (all required ones on create)."""
    errors = Errors()
    values: dict[str, Any] = {}
    creating = project is None
    if creating or "name" in data:
        name = _text(errors, {"name": data.get("name")}, "name", NAME_MAX)
        if name == "":
            errors.add("name", _("Give the project a name."))
        elif name is not None:
            values["name"] = name
    if "description" in data:
        value = _text(errors, data, "description", DESCRIPTION_MAX, multiline=True)
        if value is not None:
            values["description"] = value
    if "status" in data:
        if data["status"] in ProjectStatus.values:
            values["status"] = data["status"]
        else:
            errors.add("status", _("Use active, on_hold or done."))
    if "company_id" in data:
        raw = data["company_id"]
        if raw is None or raw == "":
            values["company"] = None
        else:
            pk = c.parse_id(raw)
            company = (
                company_visible(workspace=workspace, actor=actor).filter(pk=pk).first()
                if pk
                else None
            )
            if company is None:
                errors.add("company_id", _("Choose a company of this workspace."))
            else:
                values["company"] = company
    if "track_time" in data:
        if isinstance(data["track_time"], bool):
            values["track_time"] = data["track_time"]
        else:
            errors.add("track_time", _("Use true or false."))
    if creating or "emails_from" in data:
        raw = data.get("emails_from")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors.add(
                "emails_from", _("Give the address the project's update emails are sent from.")
            )
        elif not isinstance(raw, str) or len(raw.strip()) > EMAIL_MAX:
            errors.add("emails_from", _("Enter a valid email address."))
        else:
            try:
                validate_email(raw.strip())
            except ValidationError:
                errors.add("emails_from", _("Enter a valid email address."))
            else:
                values["emails_from"] = raw.strip()
    if "member_ids" in data:
        ids = c.id_list(errors, data, "member_ids", limit=MAX_LINKS)
        if ids is not None:
            found = set(
                Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list(
                    "user_id", flat=True
                )
            )
            if len(found) != len(ids):
                errors.add("member_ids", _("Choose people who are members of this workspace."))
            else:
                values["member_ids"] = ids
    if "contact_ids" in data:
        ids = c.id_list(errors, data, "contact_ids", limit=MAX_LINKS)
        if ids is not None:
            visible = contact_visible(workspace=workspace, actor=actor).filter(pk__in=ids)
            if visible.count() != len(ids):
                errors.add("contact_ids", _("Choose contacts you can see."))
            else:
                values["contact_ids"] = ids
    if "company_ids" in data:
        ids = c.id_list(errors, data, "company_ids", limit=MAX_LINKS)
        if ids is not None:
            found = company_visible(workspace=workspace, actor=actor).filter(pk__in=ids)
            if found.count() != len(ids):
                errors.add("company_ids", _("Choose companies of this workspace."))
            else:
                values["company_ids"] = ids
    errors.raise_if_any()
    return values


def _sync(workspace: Workspace, project: Project, model, column: str, old: set, new: set) -> None:
    gone = old - new
    if gone:
        model.objects.filter(
            workspace=workspace, project=project, **{f"{column}__in": gone}
        ).delete()
    added = new - old
    if added:
        model.objects.bulk_create(
            [model(workspace=workspace, project=project, **{column: pk}) for pk in sorted(added)]
        )


def _links(
    workspace: Workspace, actor: Membership, project: Project, values: dict, changes: dict
) -> None:
    """Write member, contact and company links; note what changed (ids: a reader of the
    timeline may not see every contact)."""
    if "member_ids" in values:
        old = set(ProjectMember.objects.filter(project=project).values_list("user_id", flat=True))
        new = set(values["member_ids"])
        _sync(workspace, project, ProjectMember, "user_id", old, new)
        if old != new:
            changes["members"] = [sorted(old), sorted(new)]
    if "contact_ids" in values:
        old = set(
            ProjectContact.objects.filter(project=project).values_list("contact_id", flat=True)
        )
        hidden = old - set(
            contact_visible(workspace=workspace, actor=actor)
            .filter(pk__in=old)
            .values_list("pk", flat=True)
        )
        new = set(values["contact_ids"]) | hidden
        _sync(workspace, project, ProjectContact, "contact_id", old, new)
        if old != new:
            changes["contacts"] = [len(old), len(new)]
    if "company_ids" in values:
        old = set(
            ProjectCompany.objects.filter(project=project).values_list("company_id", flat=True)
        )
        new = set(values["company_ids"])
        _sync(workspace, project, ProjectCompany, "company_id", old, new)
        if old != new:
            changes["companies"] = [sorted(old), sorted(new)]


def _reindex(workspace: Workspace, project_id: int) -> None:
    search_index.refresh(workspace.pk, "project", [project_id])


def create_project(*, workspace: Workspace, actor: Membership, data: dict) -> Project:
    """Start a project; the actor becomes a member of it."""
    access.require_module(actor)
    values = _clean(workspace, actor, data, None)
    members = values.get("member_ids", [])
    if actor.user_id not in members:
        values["member_ids"] = [actor.user_id, *members]
    with transaction.atomic():
        project = Project(workspace=workspace, created_by=actor.user)
        for name in SCALARS:
            if name in values:
                setattr(project, name, values[name])
        project.save()
        _links(workspace, actor, project, values, {})
        activity.record(actor=actor, project=project, verb="project.created", summary=project.name)
        _reindex(workspace, project.pk)
    return project


def _lock(workspace: Workspace, actor: Membership, project_id: int) -> Project:
    access.require_module(actor)
    project = (
        Project.objects.filter(workspace=workspace, pk=project_id)
        # Only the project's row: PostgreSQL cannot lock the nullable side of the join.
        .select_for_update(of=("self",))
        .select_related("company")
        .first()
    )
    if project is None:
        raise NotFound(_("Project not found."))
    return project


def update_project(
    *, workspace: Workspace, actor: Membership, project_id: int, data: dict
) -> Project:
    """Change the fields present in `data`; members of the project and admins only."""
    with transaction.atomic():
        project = _lock(workspace, actor, project_id)
        access.require_editor(actor, project)
        values = _clean(workspace, actor, data, project)
        changes: dict[str, list] = {}
        fields = []
        for name in SCALARS:
            if name in values and getattr(project, name) != values[name]:
                old, new = getattr(project, name), values[name]
                if name == "company":
                    changes[name] = [old.name if old else None, new.name if new else None]
                else:
                    changes[name] = [old, new]
                setattr(project, name, new)
                fields.append(name)
        _links(workspace, actor, project, values, changes)
        if not changes:
            return project
        project.version = F("version") + 1
        project.save(update_fields=[*fields, "version", "updated_at"])
        project.refresh_from_db(fields=["version", "updated_at"])
        activity.record(
            actor=actor,
            project=project,
            verb="project.updated",
            summary=project.name,
            changes=changes,
        )
        _reindex(workspace, project.pk)
    return project


def delete_project(*, workspace: Workspace, actor: Membership, project_id: int) -> None:
    """Delete a project with its phases, tasks and updates; members and admins only."""
    with transaction.atomic():
        access.require_module(actor)
        # Locked task, phase, project, the order an update adding minutes takes them in.
        for model in (Task, Phase):
            list(
                model.objects.select_for_update()
                .filter(workspace=workspace, project_id=project_id)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        project = _lock(workspace, actor, project_id)
        access.require_editor(actor, project)
        activity.record(actor=actor, project=project, verb="project.deleted", summary=project.name)
        project.delete()
        search_index.forget(workspace.pk, "project", [project_id])
