"""Forms of the contact and company pages. They parse; the services judge.

Fields accept loosely what the services validate (email format, ids, options, custom
values), so a bad value comes back as the service's message next to the field: the same
words the API gives. Field names are the API's names, so `Invalid.errors` map one to one.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.customers.models import Company, Contact, CustomerRole, Visibility
from rapport.customfields.forms import add_custom_fields, custom_values_from
from rapport.customfields.validation import FieldDef

NO_CHOICE = ("", "—")


class LooseChoiceField(forms.ChoiceField):
    """Offers the choices but leaves judging the value to the service."""

    def validate(self, value):
        pass


class LooseMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value):
        pass


class TelInput(forms.TextInput):
    input_type = "tel"


def _text(label, *, max_length: int, widget=None, **attrs) -> forms.CharField:
    widget = widget or forms.TextInput
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=widget(attrs={"maxlength": max_length, **attrs}),
    )


def _lines(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )


def _category_choices(categories) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in categories]


def _id_or_none(value: str | None) -> str | None:
    return value or None


class RecordForm(forms.Form):
    """Shared by the contact and company forms: labels with their colours, custom fields
    by section, and the record's version for the stale-edit check."""

    BUILT_IN: tuple[str, ...] = ()
    ENTITY = ""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label_ids = LooseMultipleChoiceField(
        label=_("Labels"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, labels=(), defs: list[FieldDef] = (), custom=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = list(labels)
        self.fields["label_ids"].choices = _category_choices(labels)
        # The template draws each label's colour beside its checkbox.
        self.label_colors = {str(c.pk): c.color for c in labels}
        add_custom_fields(self, defs=list(defs), initial=custom or {})

    def to_data(self) -> dict[str, Any]:
        """The cleaned values as the service's `data` (API names)."""
        data = {name: self.cleaned_data.get(name) for name in self.BUILT_IN if name in self.fields}
        if "label_ids" in self.fields:
            data["label_ids"] = list(self.cleaned_data.get("label_ids") or [])
        data["custom"] = custom_values_from(self)
        return data


def _with_current(choices: list[tuple[str, str]], current) -> list[tuple[str, str]]:
    """Keep the record's current value selectable even when it is past the list's cut-off."""
    if current is not None and str(current.pk) not in {value for value, _label in choices}:
        choices.append((str(current.pk), str(current)))
    return choices


class ContactForm(RecordForm):
    BUILT_IN = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "other_emails",
        "other_phones",
        "company_id",
        "job_title",
        "role",
        "source_id",
        "is_active",
        "is_test",
        "visibility",
        "team_ids",
    )
    ENTITY = "contact"

    first_name = _text(_("First name"), max_length=100, autocomplete="off")
    last_name = _text(_("Last name"), max_length=100, autocomplete="off")
    email = _text(_("Email"), max_length=254, widget=forms.EmailInput, autocomplete="off")
    phone = _text(_("Phone"), max_length=40, widget=TelInput, autocomplete="off")
    other_emails = _lines(_("Other emails"), _("One per line."))
    other_phones = _lines(_("Other phones"), _("One per line."))
    company_id = LooseChoiceField(label=_("Company"), required=False)
    job_title = _text(_("Job title"), max_length=120)
    role = forms.ChoiceField(label=_("Role"), choices=CustomerRole.choices)
    source_id = LooseChoiceField(label=_("Source"), required=False)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive contacts stay on file but are marked everywhere."),
    )
    is_test = forms.BooleanField(
        label=_("Test contact"),
        required=False,
        help_text=_("Left out of lists, counts and exports unless asked for."),
    )
    visibility = forms.ChoiceField(
        label=_("Who sees this contact"),
        choices=[
            (Visibility.PRIVATE, _("Private: only you (and workspace owners)")),
            (Visibility.TEAMS, _("Shared with the teams below")),
        ],
        initial=Visibility.PRIVATE,
        widget=forms.RadioSelect,
    )
    team_ids = LooseMultipleChoiceField(
        label=_("Teams"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args,
        companies=(),
        sources=(),
        teams=(),
        contact: Contact | None = None,
        **kwargs,
    ):
        if contact is not None:
            kwargs.setdefault("initial", contact_initial(contact))
            kwargs.setdefault("custom", contact.custom)
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.fields["company_id"].choices = [
            NO_CHOICE,
            *_with_current(
                [(str(c.pk), c.name) for c in companies], getattr(contact, "company", None)
            ),
        ]
        self.fields["source_id"].choices = [NO_CHOICE, *_category_choices(sources)]
        if contact is not None:
            # Sharing has its own page (owner and admins only); editing leaves it alone.
            del self.fields["visibility"]
            del self.fields["team_ids"]
        else:
            self.fields["team_ids"].choices = [(str(t.pk), t.name) for t in teams]

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["company_id"] = _id_or_none(data["company_id"])
        data["source_id"] = _id_or_none(data["source_id"])
        if "team_ids" in data:
            data["team_ids"] = list(data["team_ids"] or [])
        return data


def contact_initial(contact: Contact) -> dict[str, Any]:
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "other_emails": "\n".join(contact.other_emails or []),
        "other_phones": "\n".join(contact.other_phones or []),
        "company_id": str(contact.company_id or ""),
        "job_title": contact.job_title,
        "role": contact.role,
        "source_id": str(contact.source_id or ""),
        "label_ids": [str(c.pk) for c in getattr(contact, "label_list", [])],
        "is_active": contact.is_active,
        "is_test": contact.is_test,
        "version": contact.version,
    }


class SharingForm(forms.Form):
    """Owner, visibility and teams of one contact."""

    owner_id = forms.ChoiceField(label=_("Owner"), required=False)
    visibility = forms.ChoiceField(
        label=_("Who sees this contact"),
        choices=[
            (Visibility.PRIVATE, _("Private: only the owner (and workspace owners)")),
            (Visibility.TEAMS, _("Shared with the teams below")),
        ],
        widget=forms.RadioSelect,
    )
    team_ids = LooseMultipleChoiceField(
        label=_("Teams"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members=(), teams=(), contact: Contact | None = None, **kwargs):
        if contact is not None:
            kwargs.setdefault(
                "initial",
                {
                    "owner_id": str(contact.owner_id or ""),
                    "visibility": contact.visibility,
                    "team_ids": [str(s.team_id) for s in contact.shares.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [
            ("", _("Unclaimed (in the queue every member sees)")),
            *[(str(m.user_id), m.user.display_name) for m in members],
        ]
        self.fields["team_ids"].choices = [(str(t.pk), t.name) for t in teams]

    def to_data(self) -> dict[str, Any]:
        return {
            "owner_id": _id_or_none(self.cleaned_data["owner_id"]),
            "visibility": self.cleaned_data["visibility"],
            "team_ids": list(self.cleaned_data.get("team_ids") or []),
        }


class CompanyForm(RecordForm):
    BUILT_IN = (
        "name",
        "domain",
        "website",
        "phone",
        "street",
        "city",
        "postal_code",
        "region",
        "country",
        "type_id",
        "role",
        "primary_contact_id",
        "owner_id",
    )
    ENTITY = "company"

    name = _text(_("Name"), max_length=200, autocomplete="organization")
    domain = _text(_("Domain"), max_length=253, placeholder="example.com", spellcheck="false")
    website = _text(
        _("Website"), max_length=500, widget=forms.URLInput, placeholder="https://example.com"
    )
    phone = _text(_("Phone"), max_length=40, widget=TelInput)
    street = _text(_("Street"), max_length=200)
    city = _text(_("City"), max_length=100)
    postal_code = _text(_("Postal code"), max_length=20)
    region = _text(_("Region"), max_length=100)
    country = _text(_("Country"), max_length=100)
    type_id = LooseChoiceField(label=_("Company type"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=CustomerRole.choices)
    primary_contact_id = LooseChoiceField(label=_("Primary contact"), required=False)
    owner_id = LooseChoiceField(label=_("Owner"), required=False)

    def __init__(
        self,
        *args,
        types=(),
        members=(),
        contacts=None,
        company: Company | None = None,
        **kwargs,
    ):
        if company is not None:
            kwargs.setdefault("initial", company_initial(company))
            kwargs.setdefault("custom", company.custom)
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["type_id"].choices = [NO_CHOICE, *_category_choices(types)]
        self.fields["owner_id"].choices = [
            ("", _("Nobody")),
            *[(str(m.user_id), m.user.display_name) for m in members],
        ]
        if contacts is None:
            # A new company has no people yet; and a primary contact the actor may not see
            # must not be cleared by a form that could not offer it.
            del self.fields["primary_contact_id"]
        else:
            self.fields["primary_contact_id"].choices = [
                NO_CHOICE,
                *[(str(c.pk), str(c)) for c in contacts],
            ]

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        for name in ("type_id", "primary_contact_id", "owner_id"):
            if name in data:
                data[name] = _id_or_none(data[name])
        return data


def company_initial(company: Company) -> dict[str, Any]:
    return {
        "name": company.name,
        "domain": company.domain,
        "website": company.website,
        "phone": company.phone,
        "street": company.street,
        "city": company.city,
        "postal_code": company.postal_code,
        "region": company.region,
        "country": company.country,
        "type_id": str(company.type_id or ""),
        "role": company.role,
        "primary_contact_id": str(company.primary_contact_id or ""),
        "owner_id": str(company.owner_id or ""),
        "label_ids": [str(c.pk) for c in getattr(company, "label_list", [])],
        "version": company.version,
    }


class CompanyDeleteForm(forms.Form):
    on_contacts = forms.ChoiceField(
        label=_("Its contacts"),
        required=False,
        choices=[("detach", _("Keep them")), ("delete", _("Delete them"))],
        widget=forms.RadioSelect,
    )


class NoteForm(forms.Form):
    """A new note, or an edit: only the fields the request carries are changed."""

    # Ids of the add form; an edit form uses the note's own, so a page may hold both.
    NEW_ID = "note-new-%s"

    note_type_id = LooseChoiceField(label=_("Note type"), required=False)
    body = forms.CharField(
        label=_("Note"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, note_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note_type_id"].choices = [
            ("", _("No type")),
            *_category_choices(note_types),
        ]

    def to_data(self, present=None) -> dict[str, Any]:
        """The values to write; with `present` (the posted keys), only those."""
        data = {
            "note_type_id": _id_or_none(self.cleaned_data.get("note_type_id")),
            "body": self.cleaned_data.get("body") or "",
        }
        if present is not None:
            data = {k: v for k, v in data.items() if k in present}
        return data
