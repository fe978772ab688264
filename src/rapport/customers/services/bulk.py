"""Bulk actions on many contacts or companies at once, each recorded on every timeline."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.core.models import Activity, Category, Membership, Team, Workspace
from rapport.customers.models import Company, CompanyLabel, Contact, ContactLabel, ContactTeam
from rapport.customers.selectors import company_visible, contact_visible
from rapport.customers.services import _common as c
from rapport.customers.services.contacts import may_manage
from rapport.search import index as search_index

MAX_BULK = 1000
CONTACT_ACTIONS = ("add_label", "remove_label", "share", "set_owner", "delete")
COMPANY_ACTIONS = ("add_label", "remove_label", "set_owner", "delete")


@dataclass
class BulkResult:
    changed: int
    skipped: int


def _ids(ids) -> list[int]:
    if not isinstance(ids, list) or not ids:
        raise Invalid(_("Select at least one record."), field="ids")
    if len(ids) > MAX_BULK:
        raise Invalid(_("Select at most %(n)d records at once.") % {"n": MAX_BULK}, field="ids")
    clean = []
    for raw in ids:
        pk = c.parse_id(raw)
        if pk is None:
            raise Invalid(_("Give a list of ids."), field="ids")
        clean.append(pk)
    return sorted(set(clean))


def _activities(workspace, actor, verb, rows, target_type, changes) -> None:
    acting_by = actor.acting_by
    Activity.objects.bulk_create(
        [
            Activity(
                workspace=workspace,
                actor=acting_by or actor.user,
                acting_as=actor.user if acting_by else None,
                verb=verb,
                target_type=target_type,
                target_id=row.pk,
                summary=str(row)[:300],
                changes=changes,
            )
            for row in rows
        ]
    )


def _label(workspace: Workspace, value) -> Category:
    pk = c.parse_id(value)
    label = (
        Category.objects.filter(workspace=workspace, kind="labels", pk=pk).first() if pk else None
    )
    if label is None:
        raise Invalid(_("Choose a label of this workspace."), field="value")
    return label


def contact_bulk(
    *, workspace: Workspace, actor: Membership, ids: list, action: str, value=None
) -> BulkResult:
    """Apply one action to the selected contacts the actor may see. Owner, sharing and
    deletion skip contacts the actor does not manage; the result says how many."""
    if action not in CONTACT_ACTIONS:
        raise Invalid(_("Unknown action."), field="action")
    ids = _ids(ids)
    with transaction.atomic():
        # Locked in primary-key order so two bulk edits cannot deadlock each other.
        rows = list(
            contact_visible(workspace=workspace, actor=actor)
            .filter(pk__in=ids)
            .order_by("pk")
            .select_for_update()
        )
        if action in ("share", "set_owner", "delete"):
            allowed = [r for r in rows if may_manage(actor, r)]
        else:
            allowed = rows
        skipped = len(ids) - len(allowed)
        pks = [r.pk for r in allowed]
        if action in ("add_label", "remove_label"):
            label = _label(workspace, value)
            has = set(
                ContactLabel.objects.filter(contact_id__in=pks, category=label).values_list(
                    "contact_id", flat=True
                )
            )
            if action == "add_label":
                allowed = [r for r in allowed if r.pk not in has]
                ContactLabel.objects.bulk_create(
                    [ContactLabel(workspace=workspace, contact=r, category=label) for r in allowed]
                )
                changes = {"labels": [None, f"+ {label.name}"]}
            else:
                allowed = [r for r in allowed if r.pk in has]
                ContactLabel.objects.filter(contact_id__in=pks, category=label).delete()
                changes = {"labels": [f"- {label.name}", None]}
            verb = "contact.updated"
        elif action == "share":
            pk = c.parse_id(value)
            team = Team.objects.filter(workspace=workspace, pk=pk).first() if pk else None
            if team is None:
                raise Invalid(_("Choose a team of this workspace."), field="value")
            has = set(
                ContactTeam.objects.filter(contact_id__in=pks, team=team).values_list(
                    "contact_id", flat=True
                )
            )
            allowed = [r for r in allowed if r.pk not in has or r.visibility != "teams"]
            ContactTeam.objects.bulk_create(
                [
                    ContactTeam(workspace=workspace, contact=r, team=team)
                    for r in allowed
                    if r.pk not in has
                ]
            )
            Contact.objects.filter(pk__in=[r.pk for r in allowed]).update(visibility="teams")
            changes = {"teams": [None, f"+ {team.name}"]}
            verb = "contact.shared"
        elif action == "set_owner":
            errors = c.Errors()
            owner = c.member_user(errors, workspace, {"owner_id": value})
            errors.raise_if_any()
            allowed = [r for r in allowed if r.owner_id != (owner.pk if owner else None)]
            changes = {"owner": [None, owner.display_name if owner else None]}
            Contact.objects.filter(pk__in=[r.pk for r in allowed]).update(owner=owner)
            verb = "contact.owner_changed"
        else:
            _activities(workspace, actor, "contact.deleted", allowed, "contact", {})
            Company.objects.filter(workspace=workspace, primary_contact_id__in=pks).update(
                primary_contact=None
            )
            Contact.objects.filter(pk__in=pks).delete()
            search_index.forget(workspace.pk, "contact", pks)
            return BulkResult(changed=len(allowed), skipped=skipped)
        Contact.objects.filter(pk__in=[r.pk for r in allowed]).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        _activities(workspace, actor, verb, allowed, "contact", changes)
    return BulkResult(changed=len(allowed), skipped=len(ids) - len(allowed))


def company_bulk(
    *, workspace: Workspace, actor: Membership, ids: list, action: str, value=None
) -> BulkResult:
    """Labels and owner for any company; deletion only of companies the actor manages and
    that have no contacts (those need the per-company choice of what happens to them)."""
    from rapport.customers.services.companies import may_manage_company

    if action not in COMPANY_ACTIONS:
        raise Invalid(_("Unknown action."), field="action")
    ids = _ids(ids)
    with transaction.atomic():
        rows = list(
            company_visible(workspace=workspace, actor=actor)
            .filter(pk__in=ids)
            .order_by("pk")
            .select_for_update()
        )
        if action == "delete":
            with_contacts = set(
                Contact.objects.filter(workspace=workspace, company_id__in=ids).values_list(
                    "company_id", flat=True
                )
            )
            allowed = [
                r for r in rows if may_manage_company(actor, r) and r.pk not in with_contacts
            ]
            _activities(workspace, actor, "company.deleted", allowed, "company", {})
            Company.objects.filter(pk__in=[r.pk for r in allowed]).delete()
            search_index.forget(workspace.pk, "company", [r.pk for r in allowed])
            return BulkResult(changed=len(allowed), skipped=len(ids) - len(allowed))
        if action == "set_owner":
            if not actor.is_admin:
                rows = [r for r in rows if may_manage_company(actor, r)]
            errors = c.Errors()
            owner = c.member_user(errors, workspace, {"owner_id": value})
            errors.raise_if_any()
            allowed = [r for r in rows if r.owner_id != (owner.pk if owner else None)]
            Company.objects.filter(pk__in=[r.pk for r in allowed]).update(owner=owner)
            changes = {"owner": [None, owner.display_name if owner else None]}
        else:
            label = _label(workspace, value)
            pks = [r.pk for r in rows]
            has = set(
                CompanyLabel.objects.filter(company_id__in=pks, category=label).values_list(
                    "company_id", flat=True
                )
            )
            if action == "add_label":
                allowed = [r for r in rows if r.pk not in has]
                CompanyLabel.objects.bulk_create(
                    [CompanyLabel(workspace=workspace, company=r, category=label) for r in allowed]
                )
                changes = {"labels": [None, f"+ {label.name}"]}
            else:
                allowed = [r for r in rows if r.pk in has]
                CompanyLabel.objects.filter(company_id__in=pks, category=label).delete()
                changes = {"labels": [f"- {label.name}", None]}
        Company.objects.filter(pk__in=[r.pk for r in allowed]).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        _activities(workspace, actor, "company.updated", allowed, "company", changes)
    return BulkResult(changed=len(allowed), skipped=len(ids) - len(allowed))
