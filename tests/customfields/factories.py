"""Builders for custom field definitions and records holding values. Definitions go
through the services, as the product does; records are plain rows with a `custom` dict."""

from rapport.customers.models import Company, Contact
from rapport.customfields import services
from rapport.customfields.models import CustomField

RETAIL_B2B_GOV = [
    {"value": "retail", "label": "Retail"},
    {"value": "b2b", "label": "B2B"},
    {"value": "gov", "label": "Government"},
]


def make_field(
    workspace,
    label: str,
    type: str = "text",
    *,
    entity: str = "contact",
    section: str | None = None,
    required: bool = False,
    options: list[dict] | None = None,
) -> CustomField:
    return services.field_create(
        workspace=workspace,
        actor=workspace.owner_membership,
        entity=entity,
        label=label,
        type=type,
        section_name=section,
        required=required,
        options=options,
    )


def make_contact(workspace, custom: dict | None = None, name: str = "x") -> Contact:
    return Contact.objects.create(workspace=workspace, first_name=name, custom=custom or {})


def make_company(workspace, custom: dict | None = None, name: str = "x") -> Company:
    return Company.objects.create(workspace=workspace, name=name, custom=custom or {})
