"""Writes to companies."""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Forbidden, Invalid, PreconditionFailed
from rapport.core.models import Membership, Workspace
from rapport.customers.models import Company, CompanyLabel, Contact
from rapport.customers.selectors import company_visible, contact_visible
from rapport.customers.services import _common as c
from rapport.customers.services.contacts import may_manage
from rapport.customfields.validation import validate_custom
from rapport.search import index as search_index

TEXT_FIELDS = {
    "street": 200,
    "city": 100,
    "postal_code": 20,
    "region": 100,
    "country": 100,
}
SCALARS = (
    "name",
    "domain",
    "website",
    "phone",
    *TEXT_FIELDS,
    "role",
    "custom",
)
RELATED = ("type", "primary_contact", "owner")
ON_CONTACTS = ("detach", "delete")


def may_manage_company(actor: Membership, company: Company) -> bool:
    return actor.is_admin or company.owner_id in (None, actor.user_id)


def _clean(
    workspace: Workspace, actor: Membership, data: dict, company: Company | None
) -> dict[str, Any]:
    errors = c.Errors()
    values: dict[str, Any] = {}
    if company is None or "name" in data:
        name = c.text(errors, {"name": data.get("name")}, "name", 200)
        if name == "":
            errors.add("name", _("Give the company a name."))
        elif name is not None:
            values["name"] = name
    for name, limit in TEXT_FIELDS.items():
        value = c.text(errors, data, name, limit)
        if value is not None:
            values[name] = value
    if "website" in data:
        value = c.website(errors, "website", data["website"])
        if value is not None:
            values["website"] = value
    if "domain" in data:
        value = c.domain(errors, "domain", data["domain"])
        if value is not None:
            values["domain"] = value
    if "phone" in data:
        value = c.phone(errors, "phone", data["phone"])
        if value is not None:
            values["phone"] = value
    role = c.role(errors, data)
    if role is not None:
        values["role"] = role
    kind = c.category(errors, workspace, data, "type_id", "company-types")
    if kind is not c.UNSET:
        values["type"] = kind
    if "primary_contact_id" in data:
        raw = data["primary_contact_id"]
        if raw is None or raw == "":
            values["primary_contact"] = None
        else:
            pk = c.parse_id(raw)
            contact = (
                contact_visible(workspace=workspace, actor=actor).filter(pk=pk).first()
                if pk
                else None
            )
            if contact is None:
                errors.add("primary_contact_id", _("Choose a contact you can see."))
            else:
                values["primary_contact"] = contact
    labels = c.categories(errors, workspace, data, "label_ids", "labels")
    if labels is not None:
        values["labels"] = labels
    owner = c.member_user(errors, workspace, data)
    if owner is not c.UNSET:
        values["owner"] = owner
    if "custom" in data:
        try:
            values["custom"] = validate_custom(
                workspace=workspace,
                entity="company",
                values=data["custom"],
                current=company.custom if company else None,
                partial=bool(data.get("_custom_partial")),
            )
        except Invalid as exc:
            errors.take(exc, "custom")
    errors.raise_if_any()
    website = values.get("website", company.website if company else "")
    domain = values.get("domain", company.domain if company else "")
    if website and not domain:
        values["domain"] = c.domain_of(website)
    return values


def _set_labels(workspace: Workspace, company: Company, values: dict, changes: dict) -> None:
    if "labels" not in values:
        return
    old = list(company.labels.order_by("position", "id"))
    new = values["labels"]
    if not c.sync_links(
        workspace=workspace,
        through=CompanyLabel,
        parent="company",
        obj=company,
        child="category",
        old=old,
        new=new,
    ):
        return
    changes["labels"] = [c.names(old), c.names(new)]


def company_create(*, workspace: Workspace, actor: Membership, data: dict) -> Company:
    """Create a company; the actor owns it unless `owner_id` says otherwise."""
    data = dict(data)
    data.setdefault("custom", {})
    values = _clean(workspace, actor, data, None)
    values.setdefault("owner", actor.user)
    with transaction.atomic():
        company = Company(workspace=workspace)
        for name in SCALARS + RELATED:
            if name in values:
                setattr(company, name, values[name])
        company.save()
        changes: dict = {}
        _set_labels(workspace, company, values, changes)
        search_index.refresh(workspace.pk, "company", [company.pk])
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="company.created",
            target=company,
            summary=company.name,
            changes=changes,
        )
    return company


def _lock(workspace: Workspace, actor: Membership, company_id: int) -> Company:
    company = (
        company_visible(workspace=workspace, actor=actor)
        .select_for_update()
        .filter(pk=company_id)
        .first()
    )
    if company is None:
        raise c.not_found(_("Company"))
    return company


def company_update(
    *,
    workspace: Workspace,
    actor: Membership,
    company_id: int,
    data: dict,
    if_version: int | None = None,
) -> Company:
    with transaction.atomic():
        company = _lock(workspace, actor, company_id)
        if if_version is not None and company.version != if_version:
            raise PreconditionFailed(
                _("Someone changed this company since you opened it. Reload and try again.")
            )
        values = _clean(workspace, actor, data, company)
        if (
            "owner" in values
            and values["owner"] != company.owner
            and not may_manage_company(actor, company)
        ):
            raise Forbidden(
                _("Only the company's owner or an admin can change its owner."), field="owner_id"
            )
        # Ids, not names, for the primary contact: a timeline reader may not see them.
        changes, fields = c.assign(
            company, values, SCALARS + RELATED, related=RELATED, by_id=("primary_contact",)
        )
        _set_labels(workspace, company, values, changes)
        if not changes:
            return company
        company.version = F("version") + 1
        company.save(update_fields=[*fields, "version", "updated_at"])
        company.refresh_from_db(fields=["version", "updated_at"])
        search_index.refresh(workspace.pk, "company", [company.pk])
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="company.updated",
            target=company,
            summary=company.name,
            changes=changes,
        )
    return company


def company_delete(
    *,
    workspace: Workspace,
    actor: Membership,
    company_id: int,
    on_contacts: str | None = None,
) -> int:
    """Delete a company. With contacts linked, `on_contacts` must say what happens to them:
    "detach" keeps them without a company; "delete" deletes those the actor manages and
    detaches the rest. Returns how many contacts were deleted."""
    if on_contacts is not None and on_contacts not in ON_CONTACTS:
        raise Invalid(_("Use detach or delete."), field="on_contacts")
    with transaction.atomic():
        company = _lock(workspace, actor, company_id)
        if not may_manage_company(actor, company):
            raise Forbidden(_("Only the company's owner or an admin can delete it."))
        linked = Contact.objects.filter(workspace=workspace, company=company)
        count = linked.count()
        if count and on_contacts is None:
            raise Conflict(
                _(
                    "%(count)d contacts belong to %(name)s: choose whether they are kept "
                    "without a company or deleted with it."
                )
                % {"count": count, "name": company.name},
                code="has_contacts",
                field="on_contacts",
            )
        deleted = 0
        if count and on_contacts == "delete":
            doomed = [
                x
                for x in contact_visible(workspace=workspace, actor=actor)
                .filter(company=company)
                .order_by("pk")
                .select_for_update()
                if may_manage(actor, x)
            ]
            for contact in doomed:
                record_activity(
                    workspace=workspace,
                    actor=actor,
                    verb="contact.deleted",
                    target=contact,
                    summary=str(contact),
                )
            deleted = len(doomed)
            Contact.objects.filter(pk__in=[x.pk for x in doomed]).delete()
            search_index.forget(workspace.pk, "contact", [x.pk for x in doomed])
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="company.deleted",
            target=company,
            summary=company.name,
            changes={"contacts": [count, on_contacts]} if count else None,
        )
        company.delete()  # remaining contacts are detached by SET_NULL
        search_index.forget(workspace.pk, "company", [company_id])
    return deleted
