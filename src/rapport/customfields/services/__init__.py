"""Every write to custom field definitions: sections, fields and their options.

Admins only. Each function checks the actor, validates, writes in one transaction and
records the activity. Deleting a field or an option clears the values records hold in the
same transaction, so no record keeps a value its definitions no longer explain; while
records hold one, the delete is refused (409 "in_use", with the count) unless confirmed.
"""

from rapport.customfields.services._common import InUse
from rapport.customfields.services.fields import (
    field_create,
    field_delete,
    field_move,
    field_reorder,
    field_update,
)
from rapport.customfields.services.options import (
    option_create,
    option_delete,
    option_move,
    option_reorder,
    option_update,
)
from rapport.customfields.services.sections import (
    section_create,
    section_delete,
    section_move,
    section_reorder,
    section_update,
)

__all__ = [
    "InUse",
    "field_create",
    "field_delete",
    "field_move",
    "field_reorder",
    "field_update",
    "option_create",
    "option_delete",
    "option_move",
    "option_reorder",
    "option_update",
    "section_create",
    "section_delete",
    "section_move",
    "section_reorder",
    "section_update",
]
