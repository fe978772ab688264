"""Forms of the task pages: they parse the request into the service's data; the rules
live in `services.tasks`, whose field errors come back onto the form's fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.errors import Invalid
from rapport.projects.models import TaskPriority, TaskStatus
from rapport.projects.services.tasks import MAX_DESCRIPTION, MAX_ESTIMATE, MAX_NAME

# Service field -> form field.
FIELD_NAMES = {
    "phase_id": "phase",
    "category_id": "category",
    "assignee_ids": "assignees",
}


class ServiceForm(forms.Form):
    field_names = FIELD_NAMES

    def take(self, exc: Invalid) -> None:
        """Put the service's errors on the matching fields (the rest on the form)."""
        if not exc.errors:
            self.add_error(None, exc.message)
        for error in exc.errors:
            name = self.field_names.get(error.get("field"), error.get("field"))
            self.add_error(name if name in self.fields else None, error["message"])


def _choices(rows, label=lambda r: r.name, blank=None):
    choices = [("", blank)] if blank is not None else []
    return choices + [(str(r.pk), label(r)) for r in rows]


class TaskForm(ServiceForm):
    title = forms.CharField(label=_("Title"), max_length=MAX_NAME, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    phase = forms.ChoiceField(label=_("Phase"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices)
    assignees = forms.MultipleChoiceField(
        label=_("Assignees"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the project's members can be assigned."),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, phases, categories, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = _choices(phases)
        self.fields["category"].choices = _choices(categories, blank=_("No category"))
        self.fields["assignees"].choices = _choices(members, label=lambda u: u.display_name)

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "description": d["description"],
            "phase_id": d["phase"],
            "category_id": d["category"] or None,
            "status": d["status"],
            "priority": d["priority"],
            "assignee_ids": list(d["assignees"]),
            "due_date": d["due_date"],
        }


class QuickTaskForm(ServiceForm):
    """The "Add task" row under a phase: a title, a category and one assignee; the rest
    is on the task's own form."""

    field_names = {**FIELD_NAMES, "assignee_ids": "assignee"}

    title = forms.CharField(label=_("Task title"), max_length=MAX_NAME, required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, categories, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, blank=_("No category"))
        self.fields["assignee"].choices = _choices(
            members, label=lambda u: u.display_name, blank=_("Unassigned")
        )

    def data_for_service(self, phase_id: int) -> dict:
        d = self.cleaned_data
        return {
            "phase_id": phase_id,
            "title": d["title"],
            "category_id": d["category"] or None,
            "assignee_ids": [d["assignee"]] if d["assignee"] else [],
        }


class CommonTaskForm(ServiceForm):
    title = forms.CharField(label=_("Title"), max_length=MAX_NAME, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    estimate_minutes = forms.IntegerField(
        label=_("Estimate (minutes)"), required=False, min_value=0, max_value=MAX_ESTIMATE
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, blank=_("No category"))

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "description": d["description"],
            "category_id": d["category"] or None,
            "estimate_minutes": d["estimate_minutes"],
        }
