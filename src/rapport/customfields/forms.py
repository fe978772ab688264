"""Forms of the settings page, and the helper other apps use to put custom fields on theirs.

On a record's form the fields are plain inputs that accept anything: the one validation
function (`validate_custom`) judges the values, so forms, the API and import agree.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.errors import Invalid
from rapport.customfields.models import FieldType
from rapport.customfields.validation import MAX_TEXT, MAX_TEXTAREA, FieldDef

PREFIX = "custom__"


# --- the settings page ----------------------------------------------------------------


class SectionForm(forms.Form):
    name = forms.CharField(label=_("New section"), max_length=80)


class FieldForm(forms.Form):
    """A new field. `sections` are the entity's sections, for the section picker."""

    label = forms.CharField(label=_("Label"), max_length=80)
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    section = forms.TypedChoiceField(label=_("Section"), coerce=int, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For radio buttons, checkboxes and dropdowns: one option per line."),
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(s.pk, s.name) for s in sections]
        self.fields["section"].choices = choices or [("", _("Details (a new section)"))]
        self.fields["section"].empty_value = None

    def option_list(self) -> list[dict]:
        lines = (self.cleaned_data.get("options") or "").splitlines()
        return [{"label": line.strip()} for line in lines if line.strip()]


class FieldEditForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=80)
    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    required = forms.BooleanField(
        label=_("Required"),
        required=False,
        help_text=_("Records already saved without a value keep it empty until edited."),
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s.pk, s.name) for s in sections]


class OptionForm(forms.Form):
    label = forms.CharField(label=_("New option"), max_length=80)


# --- custom fields on other apps' forms -------------------------------------------------


class _LooseChoice(forms.ChoiceField):
    """Offers the options but leaves judging the value to validate_custom."""

    def validate(self, value):
        pass


class _LooseMultipleChoice(forms.MultipleChoiceField):
    def validate(self, value):
        pass


class _DateInput(forms.DateInput):
    input_type = "date"


class _TelInput(forms.TextInput):
    input_type = "tel"


def _form_field(d: FieldDef) -> forms.Field:
    options = list(d.options)
    common: dict[str, Any] = {"label": d.label, "required": False}
    text = {"maxlength": MAX_TEXT}
    if d.type == FieldType.CHECKBOX:
        return _LooseMultipleChoice(
            choices=options,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
            **common,
        )
    if d.type == FieldType.RADIO:
        return _LooseChoice(
            choices=options, widget=forms.RadioSelect(attrs={"class": "choices"}), **common
        )
    if d.type == FieldType.DROPDOWN:
        return _LooseChoice(choices=[("", "—"), *options], widget=forms.Select, **common)
    widgets = {
        FieldType.TEXTAREA: forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXTAREA}),
        FieldType.NUMBER: forms.NumberInput(attrs={"step": "any"}),
        FieldType.DATE: _DateInput(),
        FieldType.EMAIL: forms.EmailInput(attrs={**text, "autocomplete": "off"}),
        FieldType.URL: forms.URLInput(attrs=text),
        FieldType.PHONE: _TelInput(attrs=text),
    }
    return forms.CharField(widget=widgets.get(d.type, forms.TextInput(attrs=text)), **common)


def add_custom_fields(form: forms.BaseForm, *, defs: list[FieldDef], initial: dict) -> None:
    """Add one form field per definition (`custom__<key>`), filled from `initial`.

    Sets `form.custom_defs` and `form.custom_sections`: [(section name, [bound fields])]
    in display order, for templates/customfields/partials/form_fields.html.
    """
    initial = initial or {}
    form.custom_defs = list(defs)
    groups: dict[str, list] = {}
    for d in form.custom_defs:
        name = PREFIX + d.key
        field = _form_field(d)
        field.custom_required = d.required
        form.fields[name] = field
        if d.key in initial and name not in form.initial:
            value = initial[d.key]
            form.initial[name] = "" if value is None else value
        groups.setdefault(d.section, []).append(name)
    form.custom_sections = [
        (section, [form[name] for name in names]) for section, names in groups.items()
    ]


def custom_values_from(form: forms.BaseForm) -> dict[str, Any]:
    """{key: raw value} from a validated form, for validate_custom(values=...)."""
    data = getattr(form, "cleaned_data", {})
    return {d.key: data.get(PREFIX + d.key) for d in getattr(form, "custom_defs", [])}


def apply_custom_errors(form: forms.BaseForm, exc: Invalid) -> None:
    """Show an Invalid's errors on the fields they name: `custom.<key>` on `custom__<key>`,
    any other name the form has on that field, the rest above the form."""
    errors = exc.errors or [{"field": None, "message": exc.message}]
    for error in errors:
        name = error.get("field") or ""
        if name.startswith("custom."):
            name = PREFIX + name.removeprefix("custom.")
        form.add_error(name if name in form.fields else None, error["message"])
