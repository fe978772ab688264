"""Custom field definitions. Values live in each record's `custom` JSON, keyed by `key`."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import WorkspaceModel


class Entity(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    EMAIL = "email", _("Email")
    URL = "url", _("URL")
    PHONE = "phone", _("Phone")
    RADIO = "radio", _("Radio buttons")
    CHECKBOX = "checkbox", _("Checkboxes")
    DROPDOWN = "dropdown", _("Dropdown")


CHOICE_TYPES = (FieldType.RADIO, FieldType.CHECKBOX, FieldType.DROPDOWN)


class CustomSection(WorkspaceModel):
    """A heading that groups fields on a record's form and page."""

    entity = models.CharField(max_length=16, choices=Entity.choices)
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "entity", "name"], name="custom_section_unique_name"
            )
        ]
        indexes = [models.Index(fields=["workspace", "entity", "position", "id"])]

    def __str__(self):
        return self.name


class CustomField(WorkspaceModel):
    entity = models.CharField(max_length=16, choices=Entity.choices)
    section = models.ForeignKey(CustomSection, on_delete=models.PROTECT, related_name="fields")
    # The stable name of the value in `custom`: renaming the label never moves data.
    key = models.SlugField(max_length=50)
    label = models.CharField(_("label"), max_length=80)
    type = models.CharField(max_length=16, choices=FieldType.choices)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "entity", "key"], name="custom_field_unique_key"
            )
        ]
        indexes = [models.Index(fields=["workspace", "entity", "position", "id"])]

    def __str__(self):
        return self.label

    @property
    def has_options(self) -> bool:
        return self.type in CHOICE_TYPES


class CustomOption(WorkspaceModel):
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="options")
    value = models.SlugField(max_length=50)
    label = models.CharField(_("label"), max_length=80)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "field", "value"], name="custom_option_unique_value"
            )
        ]
        indexes = [models.Index(fields=["workspace", "field", "position", "id"])]

    def __str__(self):
        return self.label
