"""Sections: the headings that group fields on forms and record pages."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Invalid
from rapport.core.models import Membership, Workspace
from rapport.core.services import _clean_name, _save_unique, _update_recorded, require_admin
from rapport.customfields import selectors
from rapport.customfields.models import CustomField, CustomSection
from rapport.customfields.services._common import (
    _clean_entity,
    _close_gap,
    _moved,
    _next_position,
    _reorder,
    _section_for_update,
)


def _section_insert(
    workspace: Workspace, actor: Membership, entity: str, name: str
) -> CustomSection:
    section = CustomSection(
        workspace=workspace,
        entity=entity,
        name=name,
        position=_next_position(CustomSection.objects.filter(workspace=workspace, entity=entity)),
    )
    _save_unique(section, message=_("A section with this name already exists."))
    record_activity(
        workspace=workspace,
        actor=actor,
        verb="customfield.section_created",
        target=section,
        summary=f"{entity}: {name}",
    )
    return section


def section_create(
    *, workspace: Workspace, actor: Membership, entity: str, name: str
) -> CustomSection:
    require_admin(actor)
    entity = _clean_entity(entity)
    name = _clean_name(name)
    with transaction.atomic():
        return _section_insert(workspace, actor, entity, name)


def section_update(
    *, workspace: Workspace, actor: Membership, section_id: int, name: str
) -> CustomSection:
    require_admin(actor)
    name = _clean_name(name)
    with transaction.atomic():
        section = _section_for_update(workspace, section_id)
        _update_recorded(
            section,
            {"name": name},
            workspace=workspace,
            actor=actor,
            verb="customfield.section_updated",
            duplicate_message=_("A section with this name already exists."),
        )
    return section


def section_delete(*, workspace: Workspace, actor: Membership, section_id: int) -> None:
    """Delete an empty section; one that still holds fields is a 409 saying how many."""
    require_admin(actor)
    with transaction.atomic():
        section = _section_for_update(workspace, section_id)
        fields = CustomField.objects.filter(workspace=workspace, section=section).count()
        if fields:
            raise Conflict(
                ngettext(
                    "%(name)s still holds %(count)d field: move or delete it first.",
                    "%(name)s still holds %(count)d fields: move or delete them first.",
                    fields,
                )
                % {"name": section.name, "count": fields},
                code="in_use",
            )
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="customfield.section_deleted",
            target=section,
            summary=f"{section.entity}: {section.name}",
        )
        section.delete()
        _close_gap(
            CustomSection.objects.filter(workspace=workspace, entity=section.entity),
            section.position,
        )


def section_reorder(
    *, workspace: Workspace, actor: Membership, entity: str, ids: list[int]
) -> list[CustomSection]:
    """Put the entity's sections in the order of `ids` (each exactly once)."""
    require_admin(actor)
    entity = _clean_entity(entity)
    with transaction.atomic():
        return _reorder(
            CustomSection.objects.filter(workspace=workspace, entity=entity),
            ids,
            ident="pk",
            workspace=workspace,
            actor=actor,
            verb="customfield.sections_reordered",
            summary=entity,
        )


def section_move(
    *, workspace: Workspace, actor: Membership, section_id: int, offset: int
) -> list[CustomSection]:
    """Move one section up (-1) or down (+1): the keyboard path of reordering."""
    require_admin(actor)
    section = selectors.section_get(workspace=workspace, section_id=section_id)
    ids = list(
        selectors.section_list(workspace=workspace, entity=section.entity).values_list(
            "pk", flat=True
        )
    )
    return section_reorder(
        workspace=workspace,
        actor=actor,
        entity=section.entity,
        ids=_moved(ids, section.pk, offset),
    )


def _section_for(
    workspace: Workspace,
    actor: Membership,
    entity: str,
    section_id: int | None,
    section_name: str | None,
) -> CustomSection:
    """The section by id, or by name (created when missing), or else the entity's first."""
    sections = CustomSection.objects.filter(workspace=workspace, entity=entity)
    if section_id is not None:
        section = sections.filter(pk=section_id).first()
        if section is None:
            raise Invalid(_("Choose a section of this record type."), field="section")
        return section
    if section_name is None:
        section = sections.order_by("position", "id").first()
        if section is not None:
            return section
        with override(workspace.language):
            section_name = _("Details")
    name = _clean_name(section_name, field="section")
    return sections.filter(name=name).first() or _section_insert(workspace, actor, entity, name)
