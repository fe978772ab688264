"""Companies and contacts: the records people open fifty times a day."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Category, Team, WorkspaceModel, workspace_key


class CustomerRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CLIENT = "client", _("Client")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private")
    TEAMS = "teams", _("Shared with teams")


class Company(WorkspaceModel):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, blank=True, default="")
    website = models.CharField(_("website"), max_length=500, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    street = models.CharField(_("street"), max_length=200, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    country = models.CharField(_("country"), max_length=100, blank=True, default="")
    type = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=CustomerRole.choices, default=CustomerRole.LEAD
    )
    primary_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labels = models.ManyToManyField(Category, through="CompanyLabel", related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    custom = models.JSONField(default=dict, blank=True)
    # Bumped on every write: the ETag, so a stale edit is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="company_ws_created"),
            models.Index(fields=["workspace", "name", "id"], name="company_ws_name"),
            models.Index(fields=["workspace", "domain"], name="company_ws_domain"),
        ]

    def __str__(self):
        return self.name


class Contact(WorkspaceModel):
    workspace = workspace_key()
    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100, blank=True, default="")
    email = models.CharField(_("email"), max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    other_emails = models.JSONField(default=list, blank=True)
    other_phones = models.JSONField(default=list, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True, default="")
    role = models.CharField(
        _("role"), max_length=10, choices=CustomerRole.choices, default=CustomerRole.LEAD
    )
    source = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labels = models.ManyToManyField(Category, through="ContactLabel", related_name="+")
    # No owner: the contact is in the unclaimed queue, which every member sees.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    teams = models.ManyToManyField(Team, through="ContactTeam", related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    is_test = models.BooleanField(_("test contact"), default=False)
    custom = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Every list starts with the workspace; test contacts are filtered by default.
            models.Index(
                fields=["workspace", "is_test", "-created_at", "-id"], name="contact_ws_created"
            ),
            models.Index(
                fields=["workspace", "is_test", "last_name", "first_name", "id"],
                name="contact_ws_name",
            ),
            models.Index(fields=["workspace", "owner", "-created_at"], name="contact_ws_owner"),
            models.Index(fields=["workspace", "email"], name="contact_ws_email"),
            models.Index(fields=["workspace", "company"], name="contact_ws_company"),
        ]

    def __str__(self):
        return self.full_name or self.email or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactTeam(WorkspaceModel):
    """A contact shared with a team: every member of the team sees it."""

    workspace = workspace_key()
    # Found by contact through the unique (contact, team) index.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="shares", db_index=False
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "team"], name="contact_team_unique")
        ]
        indexes = [models.Index(fields=["workspace", "team", "contact"], name="contact_team_ws")]

    def __str__(self):
        return f"{self.contact_id} shared with {self.team_id}"


class ContactLabel(WorkspaceModel):
    workspace = workspace_key()
    # Found by contact through the unique (contact, category) index.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "category"], name="contact_label_unique")
        ]
        indexes = [
            models.Index(fields=["workspace", "category", "contact"], name="contact_label_ws")
        ]

    def __str__(self):
        return f"{self.contact_id}: {self.category_id}"


class CompanyLabel(WorkspaceModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "category"], name="company_label_unique")
        ]
        indexes = [
            models.Index(fields=["workspace", "category", "company"], name="company_label_ws")
        ]

    def __str__(self):
        return f"{self.company_id}: {self.category_id}"


class Note(WorkspaceModel):
    """A note on exactly one contact or one company."""

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    note_type = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="note_one_subject",
            )
        ]
        indexes = [
            models.Index(
                fields=["workspace", "contact", "-created_at", "-id"], name="note_contact"
            ),
            models.Index(
                fields=["workspace", "company", "-created_at", "-id"], name="note_company"
            ),
        ]

    def __str__(self):
        return self.body[:40]


class SavedView(WorkspaceModel):
    """A named list view: filters, sort and columns; private or shared with the workspace."""

    entity = models.CharField(max_length=16)
    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shared = models.BooleanField(_("shared with the workspace"), default=False)
    filters = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "entity", "name"], name="saved_view_ws")]

    def __str__(self):
        return self.name


# Likely duplicates found by the last scan: their own module, registered with this app here.
from rapport.customers.duplicate_models import (  # noqa: E402, F401
    DuplicateGroup,
    DuplicateMember,
    DuplicateScan,
)
