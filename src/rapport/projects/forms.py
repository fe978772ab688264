"""The project form. It parses; the service judges (same field names and messages as the API)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.projects.models import ProjectStatus


class LooseChoiceField(forms.ChoiceField):
    """Offers the choices but leaves judging the value to the service."""

    def validate(self, value):
        pass


class LooseMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value):
        pass


class ProjectForm(forms.Form):
    FIELDS = (
        "name",
        "description",
        "status",
        "company_id",
        "member_ids",
        "contact_ids",
        "company_ids",
        "track_time",
        "emails_from",
    )

    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    status = LooseChoiceField(label=_("Status"), choices=ProjectStatus.choices, required=False)
    company_id = LooseChoiceField(
        label=_("Company"),
        required=False,
        help_text=_("The customer the project is for: its page lists the project."),
    )
    member_ids = LooseMultipleChoiceField(
        label=_("Members"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members can change the project and its tasks; everyone else can read it."),
    )
    contact_ids = LooseMultipleChoiceField(
        label=_("Linked contacts"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to pick several."),
    )
    company_ids = LooseMultipleChoiceField(
        label=_("Linked companies"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to pick several."),
    )
    track_time = forms.BooleanField(
        label=_("Track time"),
        required=False,
        help_text=_("Task updates then ask for the minutes spent, totalled per task and phase."),
    )
    emails_from = forms.CharField(
        label=_("Emails sent from"),
        required=False,
        widget=forms.EmailInput(attrs={"maxlength": 254, "autocomplete": "off"}),
        help_text=_(
            "Update emails to the members go out from this address, with the author as "
            "Reply-To. Replies sent to this address itself may bounce unless it is a "
            "mailbox someone reads."
        ),
    )

    def __init__(self, *args, members=(), companies=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_ids"].choices = [(str(m.user_id), m.user.display_name) for m in members]
        company_choices = [(str(c.pk), c.name) for c in companies]
        self.fields["company_id"].choices = [("", "—"), *company_choices]
        self.fields["company_ids"].choices = company_choices
        self.fields["contact_ids"].choices = [
            (str(c.pk), f"{c} · {c.company.name}" if c.company_id else str(c)) for c in contacts
        ]

    def to_data(self) -> dict[str, Any]:
        """The cleaned values as the service's `data` (API names)."""
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        for name in ("member_ids", "contact_ids", "company_ids"):
            data[name] = list(data[name] or [])
        data["company_id"] = data["company_id"] or None
        data["status"] = data["status"] or ProjectStatus.ACTIVE
        data["track_time"] = bool(data["track_time"])
        return data
