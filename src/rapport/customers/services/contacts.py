"""Writes to contacts: create, update (with stale-edit detection), claim, share, delete."""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Forbidden, Invalid, PreconditionFailed
from rapport.core.models import Activity, Membership, Workspace
from rapport.customers.models import Company, Contact, ContactLabel, ContactTeam, Visibility
from rapport.customers.selectors import contact_visible
from rapport.customers.services import _common as c
from rapport.customfields.validation import validate_custom
from rapport.search import index as search_index

TEXT_FIELDS = {"first_name": 100, "last_name": 100, "job_title": 120}


def may_manage(actor: Membership, contact: Contact) -> bool:
    """Owner, sharing and deletion belong to the contact's owner and to admins."""
    return actor.is_admin or contact.owner_id == actor.user_id


def _lock(workspace: Workspace, actor: Membership, contact_id: int) -> Contact:
    contact = (
        contact_visible(workspace=workspace, actor=actor)
        .select_for_update()
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise c.not_found(_("Contact"))
    return contact


def _clean(
    workspace: Workspace, actor: Membership, data: dict, contact: Contact | None
) -> dict[str, Any]:
    """Validated values for the keys present in `data` (all of them, or an Invalid)."""
    errors = c.Errors()
    values: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        value = c.text(errors, data, name, limit)
        if value is not None:
            values[name] = value
    if "email" in data:
        value = c.email(errors, "email", data["email"])
        if value is not None:
            values["email"] = value
    if "phone" in data:
        value = c.phone(errors, "phone", data["phone"])
        if value is not None:
            values["phone"] = value
    for name, clean in (("other_emails", c.email), ("other_phones", c.phone)):
        value = c.many(errors, data, name, clean)
        if value is not None:
            values[name] = value
    role = c.role(errors, data)
    if role is not None:
        values["role"] = role
    for name in ("is_active", "is_test"):
        value = c.flag(errors, data, name)
        if value is not None:
            values[name] = value
    source = c.category(errors, workspace, data, "source_id", "sources")
    if source is not c.UNSET:
        values["source"] = source
    if "company_id" in data:
        raw = data["company_id"]
        if raw is None or raw == "":
            values["company"] = None
        else:
            pk = c.parse_id(raw)
            company = Company.objects.filter(workspace=workspace, pk=pk).first() if pk else None
            if company is None:
                errors.add("company_id", _("Choose a company of this workspace."))
            else:
                values["company"] = company
    labels = c.categories(errors, workspace, data, "label_ids", "labels")
    if labels is not None:
        values["labels"] = labels
    owner = c.member_user(errors, workspace, data)
    if owner is not c.UNSET:
        values["owner"] = owner
    if "visibility" in data:
        if data["visibility"] not in Visibility.values:
            errors.add("visibility", _("Use private or teams."))
        else:
            values["visibility"] = data["visibility"]
    teams = c.teams(errors, workspace, data)
    if teams is not None:
        values["teams"] = teams
    if "custom" in data:
        try:
            values["custom"] = validate_custom(
                workspace=workspace,
                entity="contact",
                values=data["custom"],
                current=contact.custom if contact else None,
                partial=bool(data.get("_custom_partial")),
            )
        except Invalid as exc:
            errors.take(exc, "custom")
    first = values.get("first_name", contact.first_name if contact else "")
    last = values.get("last_name", contact.last_name if contact else "")
    mail = values.get("email", contact.email if contact else "")
    if not (first or last or mail):
        errors.add("first_name", _("Give at least a name or an email address."))
    errors.raise_if_any()
    visibility = values.get("visibility", contact.visibility if contact else Visibility.PRIVATE)
    if visibility == Visibility.TEAMS and "teams" in values and not values["teams"]:
        raise Invalid(_("Choose at least one team to share with."), field="team_ids")
    return values


def _check_sharing_rights(actor: Membership, contact: Contact | None, values: dict) -> None:
    touching = {"owner", "visibility", "teams"} & values.keys()
    if contact is None or not touching:
        return
    if "owner" in values and contact.owner_id is None and values["owner"] == actor.user:
        return  # taking an unclaimed contact is a claim, open to every member
    if not may_manage(actor, contact):
        raise Forbidden(
            _("Only the contact's owner or an admin can change its owner or sharing."),
            field="owner_id",
        )


def _set_links(workspace: Workspace, contact: Contact, values: dict, changes: dict) -> None:
    if "labels" in values:
        old = list(contact.labels.order_by("position", "id"))
        new = values["labels"]
        if c.sync_links(
            workspace=workspace,
            through=ContactLabel,
            parent="contact",
            obj=contact,
            child="category",
            old=old,
            new=new,
        ):
            changes["labels"] = [c.names(old), c.names(new)]
    visibility = values.get("visibility", contact.visibility)
    teams = values.get("teams")
    if visibility == Visibility.PRIVATE:
        teams = []
    if teams is not None:
        old = list(contact.teams.order_by("name", "id"))
        if c.sync_links(
            workspace=workspace,
            through=ContactTeam,
            parent="contact",
            obj=contact,
            child="team",
            old=old,
            new=teams,
        ):
            changes["teams"] = [c.names(old), c.names(teams)]


SCALARS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_emails",
    "other_phones",
    "job_title",
    "role",
    "is_active",
    "is_test",
    "visibility",
    "custom",
)
RELATED = ("company", "source", "owner")


def contact_create(*, workspace: Workspace, actor: Membership, data: dict) -> Contact:
    """Create a contact. Without `owner_id` the actor owns it; `owner_id: None` leaves it
    unclaimed. Private unless `visibility` is "teams" with `team_ids`."""
    data = dict(data)
    data.setdefault("custom", {})
    values = _clean(workspace, actor, data, None)
    if "owner" not in values:
        values["owner"] = actor.user
    elif values["owner"] not in (None, actor.user) and not actor.is_admin:
        raise Forbidden(_("Only admins can create contacts for someone else."), field="owner_id")
    if values.get("visibility") == Visibility.TEAMS and not values.get("teams"):
        raise Invalid(_("Choose at least one team to share with."), field="team_ids")
    with transaction.atomic():
        contact = Contact(workspace=workspace)
        for name in SCALARS + RELATED:
            if name in values:
                setattr(contact, name, values[name])
        contact.save()
        changes: dict = {}
        _set_links(workspace, contact, values, changes)
        search_index.refresh(workspace.pk, "contact", [contact.pk])
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="contact.created",
            target=contact,
            summary=str(contact),
            changes=changes,
        )
    return contact


def contact_update(
    *,
    workspace: Workspace,
    actor: Membership,
    contact_id: int,
    data: dict,
    if_version: int | None = None,
) -> Contact:
    """Change the fields present in `data`. With `if_version`, a contact changed since that
    version is refused (412) rather than silently overwritten."""
    with transaction.atomic():
        contact = _lock(workspace, actor, contact_id)
        if if_version is not None and contact.version != if_version:
            raise PreconditionFailed(
                _("Someone changed this contact since you opened it. Reload and try again.")
            )
        values = _clean(workspace, actor, data, contact)
        _check_sharing_rights(actor, contact, values)
        changes, fields = c.assign(contact, values, SCALARS + RELATED, related=RELATED)
        _set_links(workspace, contact, values, changes)
        if not changes:
            return contact
        contact.version = F("version") + 1
        contact.save(update_fields=[*fields, "version", "updated_at"])
        contact.refresh_from_db(fields=["version", "updated_at"])
        search_index.refresh(workspace.pk, "contact", [contact.pk])
        verb = "contact.updated"
        if set(changes) <= {"owner"}:
            verb = "contact.owner_changed"
        elif set(changes) <= {"visibility", "teams"}:
            verb = "contact.shared"
        record_activity(
            workspace=workspace,
            actor=actor,
            verb=verb,
            target=contact,
            summary=str(contact),
            changes=changes,
        )
    return contact


def _claimed_by_other(holder) -> Conflict:
    return Conflict(
        _("%(name)s has already claimed this contact.")
        % {"name": holder.display_name if holder else _("Someone")},
        code="claimed",
    )


def _raise_if_claimed(workspace: Workspace, contact_id: int) -> None:
    """A claimer who lost the race no longer sees the (now private) contact; they get the
    Conflict, not a 404. Only while its owner is still the one who claimed it from the
    queue, which every member saw, so nothing private is revealed."""
    contact = (
        Contact.objects.filter(workspace=workspace, pk=contact_id).select_related("owner").first()
    )
    claim = (
        Activity.objects.filter(
            workspace=workspace, target_type="contact", target_id=contact_id, verb="contact.claimed"
        )
        .order_by("-at", "-id")
        .first()
    )
    if contact is None or claim is None or contact.owner_id is None:
        return
    if contact.owner_id == (claim.acting_as_id or claim.actor_id):
        raise _claimed_by_other(contact.owner)


def contact_claim(*, workspace: Workspace, actor: Membership, contact_id: int) -> Contact:
    """Make the actor the owner of an unclaimed contact. Of two claimers, one wins: the
    conditional UPDATE's row count decides, and the other gets a Conflict."""
    with transaction.atomic():
        contact = contact_visible(workspace=workspace, actor=actor).filter(pk=contact_id).first()
        if contact is None:
            _raise_if_claimed(workspace, contact_id)
            raise c.not_found(_("Contact"))
        won = Contact.objects.filter(workspace=workspace, pk=contact_id, owner__isnull=True).update(
            owner=actor.user, version=F("version") + 1, updated_at=timezone.now()
        )
        if not won:
            holder = Contact.objects.select_related("owner").get(pk=contact_id).owner
            raise _claimed_by_other(holder)
        contact.refresh_from_db()
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="contact.claimed",
            target=contact,
            summary=str(contact),
            changes={"owner": [None, actor.user.display_name]},
        )
    return contact


def contact_delete(*, workspace: Workspace, actor: Membership, contact_id: int) -> None:
    with transaction.atomic():
        contact = _lock(workspace, actor, contact_id)
        if not may_manage(actor, contact):
            raise Forbidden(_("Only the contact's owner or an admin can delete it."))
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="contact.deleted",
            target=contact,
            summary=str(contact),
        )
        Company.objects.filter(workspace=workspace, primary_contact=contact).update(
            primary_contact=None
        )
        contact.delete()
        search_index.forget(workspace.pk, "contact", [contact_id])
