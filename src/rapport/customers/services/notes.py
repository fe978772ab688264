"""Notes on contacts and companies, and their place on the record's timeline."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Forbidden, Invalid
from rapport.core.models import Membership, Workspace
from rapport.customers.models import Note
from rapport.customers.selectors import company_visible, contact_visible, note_list
from rapport.customers.services import _common as c

MAX_BODY = 20_000


def _body(errors: c.Errors, data: dict) -> str | None:
    if "body" not in data:
        return None
    body = data["body"]
    if not isinstance(body, str) or not body.strip():
        errors.add("body", _("Write the note."))
        return None
    body = body.strip()
    if len(body) > MAX_BODY:
        errors.add("body", _("Use at most %(n)d characters.") % {"n": MAX_BODY})
        return None
    return body


def _subject(note: Note) -> tuple[str, int]:
    return ("contact", note.contact_id) if note.contact_id else ("company", note.company_id)


def note_create(*, workspace: Workspace, actor: Membership, data: dict) -> Note:
    """A note on one contact (that the actor sees) or one company, with an optional type."""
    errors = c.Errors()
    contact = company = None
    has_contact = data.get("contact_id") not in (None, "")
    has_company = data.get("company_id") not in (None, "")
    if has_contact == has_company:
        raise Invalid(_("Attach the note to one contact or one company."), field="contact_id")
    if has_contact:
        pk = c.parse_id(data["contact_id"])
        contact = (
            contact_visible(workspace=workspace, actor=actor).filter(pk=pk).first() if pk else None
        )
        if contact is None:
            raise c.not_found(_("Contact"))
    else:
        pk = c.parse_id(data["company_id"])
        company = (
            company_visible(workspace=workspace, actor=actor).filter(pk=pk).first() if pk else None
        )
        if company is None:
            raise c.not_found(_("Company"))
    body = _body(errors, {"body": data.get("body")})
    note_type = c.category(errors, workspace, data, "note_type_id", "note-types")
    errors.raise_if_any()
    with transaction.atomic():
        note = Note.objects.create(
            workspace=workspace,
            contact=contact,
            company=company,
            note_type=None if note_type is c.UNSET else note_type,
            body=body,
            author=actor.user,
        )
        target_type, target_id = _subject(note)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="note.added",
            target_type=target_type,
            target=contact or company,
            summary=body[:300],
            changes={"note": [None, note.pk]},
        )
    return note


def _lock(workspace: Workspace, actor: Membership, note_id: int) -> Note:
    note = (
        note_list(workspace=workspace, actor=actor)
        .select_related(None)
        .select_for_update()
        .filter(pk=note_id)
        .first()
    )
    if note is None:
        raise c.not_found(_("Note"))
    return note


def may_edit_note(actor: Membership, note: Note) -> bool:
    """A note's text, type and existence belong to its author and to admins."""
    return actor.is_admin or note.author_id == actor.user_id


def _may_edit(actor: Membership, note: Note) -> None:
    if not may_edit_note(actor, note):
        raise Forbidden(_("Only the note's author or an admin can change it."))


def note_update(*, workspace: Workspace, actor: Membership, note_id: int, data: dict) -> Note:
    """Change a note's text or its type (the type of an existing note is editable)."""
    errors = c.Errors()
    body = _body(errors, data)
    note_type = c.category(errors, workspace, data, "note_type_id", "note-types")
    errors.raise_if_any()
    with transaction.atomic():
        note = _lock(workspace, actor, note_id)
        changes = {}
        if body is not None and body != note.body:
            changes["body"] = [note.body[:200], body[:200]]
            note.body = body
        if note_type is not c.UNSET and note_type != note.note_type:
            changes["note_type"] = [
                str(note.note_type) if note.note_type else None,
                str(note_type) if note_type else None,
            ]
            note.note_type = note_type
        if not changes:
            return note
        _may_edit(actor, note)
        note.save()
        target_type, target_id = _subject(note)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="note.updated",
            target_type=target_type,
            target=note.contact or note.company,
            summary=note.body[:300],
            changes=changes,
        )
    return note


def note_delete(*, workspace: Workspace, actor: Membership, note_id: int) -> None:
    with transaction.atomic():
        note = _lock(workspace, actor, note_id)
        _may_edit(actor, note)
        target_type, target_id = _subject(note)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="note.deleted",
            target_type=target_type,
            target=note.contact or note.company,
            summary=note.body[:300],
        )
        note.delete()
