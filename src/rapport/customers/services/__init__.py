"""Every write to companies, contacts, notes and saved views goes through here."""

from rapport.customers.services.bulk import BulkResult, company_bulk, contact_bulk
from rapport.customers.services.companies import (
    company_create,
    company_delete,
    company_update,
    may_manage_company,
)
from rapport.customers.services.contacts import (
    contact_claim,
    contact_create,
    contact_delete,
    contact_update,
    may_manage,
)
from rapport.customers.services.merge import company_merge, contact_merge
from rapport.customers.services.notes import note_create, note_delete, note_update
from rapport.customers.services.views import (
    COLUMNS,
    DEFAULT_COLUMNS,
    clean_columns,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_COLUMNS",
    "BulkResult",
    "clean_columns",
    "company_bulk",
    "company_create",
    "company_delete",
    "company_merge",
    "company_update",
    "contact_bulk",
    "contact_claim",
    "contact_create",
    "contact_delete",
    "contact_merge",
    "contact_update",
    "may_manage",
    "may_manage_company",
    "note_create",
    "note_delete",
    "note_update",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_update",
]
