"""Builders for user lists, through the service as the product does."""

from rapport.core.models import Membership
from rapport.customfields.models import CustomField, CustomOption, CustomSection
from rapport.lists import services
from rapport.lists.models import UserList


def make_list(actor: Membership, name: str = "Clients", **filters: str) -> UserList:
    return services.user_list_create(
        workspace=actor.workspace, actor=actor, data={"name": name, "filter": filters}
    )


def make_industry_field(workspace) -> CustomField:
    """A contact dropdown `industry` with the options retail and tech."""
    section = CustomSection.objects.create(workspace=workspace, entity="contact", name="Profile")
    field = CustomField.objects.create(
        workspace=workspace,
        entity="contact",
        section=section,
        key="industry",
        label="Industry",
        type="dropdown",
    )
    for i, (value, label) in enumerate([("retail", "Retail"), ("tech", "Technology")]):
        CustomOption.objects.create(
            workspace=workspace, field=field, value=value, label=label, position=i
        )
    return field
