"""Workspaces, the people in them, and the rows every other app builds on."""

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address. Roles live on Membership."""

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    last_workspace = models.ForeignKey(
        "core.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Workspace(models.Model):
    """One organisation's CRM. Every tenant row points here."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    modules = models.JSONField(default=dict, blank=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

    def module_enabled(self, name: str) -> bool:
        from rapport.core.modules import MODULES

        return bool(self.modules.get(name, MODULES[name].default))

    def enabled_modules(self) -> dict[str, bool]:
        from rapport.core.modules import MODULES

        return {key: self.module_enabled(key) for key in MODULES}

    @property
    def trial_days_left(self) -> int | None:
        if self.trial_ends_at is None:
            return None
        return max(0, (self.trial_ends_at - timezone.now()).days)


class WorkspaceModel(models.Model):
    """Abstract base for every row that belongs to one workspace (the sharding key)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


def workspace_key(*, checked: bool = True) -> models.ForeignKey:
    """The workspace column of a table whose own indexes all start with it (bulk-written
    tables: contacts, their links, the timeline, the search index). Django's index on
    the column alone would serve nothing those do not, and cost every insert.
    `checked=False`: no foreign-key constraint in the database (the timeline's)."""
    return models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=checked,
    )


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")


ROLE_RANK = {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Membership(WorkspaceModel):
    """A user's seat in a workspace, with one role. Services act through a membership."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by ImpersonationMiddleware when an admin acts as this member: the real person.
    acting_by = None

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]
        indexes = [models.Index(fields=["workspace", "role"])]

    def __str__(self):
        return f"{self.user} in {self.workspace_id} as {self.role}"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class Team(WorkspaceModel):
    name = models.CharField(_("name"), max_length=80)
    members = models.ManyToManyField(User, through="TeamMember", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name")
        ]

    def __str__(self):
        return self.name


class TeamMember(WorkspaceModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "team", "user"], name="team_member_unique")
        ]
        indexes = [models.Index(fields=["workspace", "user"])]

    def __str__(self):
        return f"{self.user_id} in team {self.team_id}"


class Category(WorkspaceModel):
    """A named, coloured, ordered choice of one kind (labels, sources, deal stages...)."""

    kind = models.CharField(max_length=32)
    name = models.CharField(_("name"), max_length=80)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")
    position = models.PositiveIntegerField(default=0)
    # System rows (the four deal statuses) may be renamed but never deleted.
    locked = models.BooleanField(default=False)
    system_key = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "name"], name="category_unique_name"
            )
        ]
        indexes = [models.Index(fields=["workspace", "kind", "position", "id"])]

    def __str__(self):
        return self.name


class Activity(WorkspaceModel):
    """One thing that happened: who did what to which record, and what changed.

    The timeline is a log written in bulk (an import writes a row per record), so its
    keys carry no foreign-key constraint: the database checked each one with a trigger
    per row, a fifth of a PostgreSQL import's server time. Deleting a user or a
    workspace still empties or removes their rows, through Django's `on_delete`
    (docs/decisions.md)."""

    workspace = workspace_key(checked=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # When an admin impersonates, `actor` is the admin and `acting_as` the member. Nearly
    # always empty: indexed where it is not (for `on_delete`), not row by row.
    acting_as = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    verb = models.CharField(max_length=64)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField(null=True)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "target_type", "target_id", "-at", "-id"]),
            models.Index(fields=["workspace", "-at", "-id"]),
            models.Index(
                fields=["acting_as"],
                condition=models.Q(acting_as__isnull=False),
                name="activity_acting_as",
            ),
        ]

    def __str__(self):
        return f"{self.verb} {self.target_type}#{self.target_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(WorkspaceModel):
    """A personal API token. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "user", "id"])]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return "rpt_" + secrets.token_urlsafe(32)


class Invitation(WorkspaceModel):
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "email"])]

    def __str__(self):
        return f"{self.email} to {self.workspace_id}"


class LoginThrottle(models.Model):
    """Failed logins per email, shared by every web process through the database."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.key}: {self.failures}"
