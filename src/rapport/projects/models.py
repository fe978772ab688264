"""Projects: the work done for customers (PRODUCT §4).

A project holds ordered phases; a phase holds ordered tasks. Minutes spent are recorded
by task updates and summed into `minutes_total` on the task, its phase and its project in
the same transaction as the update (with F() increments, so concurrent updates add up).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Category, WorkspaceModel
from rapport.customers.models import Company, Contact

# One update records at most a day of work: more is a typo, refused with a clear message.
MAX_UPDATE_MINUTES = 24 * 60


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    DONE = "done", _("Done")


class TaskStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Project(WorkspaceModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    # The customer the project is for: that company's page lists its projects.
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProjectMember", related_name="+"
    )
    # Linked records, to bundle them and filter the contact and company lists by project.
    contacts = models.ManyToManyField(Contact, through="ProjectContact", related_name="+")
    companies = models.ManyToManyField(Company, through="ProjectCompany", related_name="+")
    track_time = models.BooleanField(_("track time"), default=False)
    emails_from = models.CharField(_("emails sent from"), max_length=254)
    minutes_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="project_ws_created"),
            models.Index(fields=["workspace", "name", "id"], name="project_ws_name"),
            models.Index(fields=["workspace", "status", "name", "id"], name="project_ws_status"),
            models.Index(fields=["workspace", "company"], name="project_ws_company"),
        ]

    def __str__(self):
        return self.name


class ProjectMember(WorkspaceModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_unique")
        ]
        indexes = [models.Index(fields=["workspace", "user", "project"], name="project_member_ws")]


class ProjectContact(WorkspaceModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="project_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "contact"], name="project_contact_unique")
        ]
        indexes = [
            models.Index(fields=["workspace", "contact", "project"], name="project_contact_ws")
        ]


class ProjectCompany(WorkspaceModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="company_links")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="project_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "company"], name="project_company_unique")
        ]
        indexes = [
            models.Index(fields=["workspace", "company", "project"], name="project_company_ws")
        ]


class Phase(WorkspaceModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    minutes_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "project", "position", "id"], name="phase_ws_project")
        ]

    def __str__(self):
        return self.name


class Task(WorkspaceModel):
    # Always the phase's project: kept here so task lists filter without a join.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TaskAssignee", related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    minutes_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "project", "phase", "position", "id"], name="task_ws_phase"
            ),
            models.Index(fields=["workspace", "status", "position", "id"], name="task_ws_status"),
            models.Index(fields=["workspace", "due_date", "id"], name="task_ws_due"),
        ]

    def __str__(self):
        return self.title


class TaskAssignee(WorkspaceModel):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="task_assignee_unique")
        ]
        indexes = [models.Index(fields=["workspace", "user", "task"], name="task_assignee_ws")]


class CommonTask(WorkspaceModel):
    """A task template in the workspace's library, added to phases in one step."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    estimate_minutes = models.PositiveIntegerField(_("estimate (minutes)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "title", "id"], name="common_task_ws_title")]

    def __str__(self):
        return self.title


class TaskUpdate(WorkspaceModel):
    """A comment on a task, with the minutes spent when the project tracks time."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("update"))
    minutes = models.PositiveIntegerField(_("minutes spent"), null=True, blank=True)
    # The author asked for a copy to be emailed to every project member.
    notify = models.BooleanField(_("email the project members"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "task", "-created_at", "-id"], name="task_update_ws")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | Q(minutes__lte=MAX_UPDATE_MINUTES),
                name="task_update_minutes_bounded",
            )
        ]


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class UpdateMail(WorkspaceModel):
    """One update email to the project's members: retried until sent, and an admin sees
    every one that keeps failing (nothing is lost silently)."""

    update = models.ForeignKey(TaskUpdate, on_delete=models.CASCADE, related_name="mails")
    recipients = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "status", "-created_at"], name="update_mail_ws")
        ]
