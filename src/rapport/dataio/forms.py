"""Forms of the import pages. They parse; `services` judges (the API's words, per field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.errors import Invalid
from rapport.customers.models import CustomerRole
from rapport.dataio.models import ImportEntity

IGNORE = ""


class LooseChoiceField(forms.ChoiceField):
    """Offers the choices but leaves judging the value to the service."""

    def validate(self, value):
        pass


class UploadForm(forms.Form):
    entity = forms.ChoiceField(
        label=_("What the file holds"),
        choices=ImportEntity.choices,
        widget=forms.RadioSelect,
        initial=ImportEntity.CONTACTS,
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "CSV (any encoding, comma, semicolon or tab) or Excel (.xlsx). Exports of Google "
            "Contacts, Outlook and HubSpot are recognised as they are."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )


class MappingForm(forms.Form):
    """One select per column of the file: the field it feeds, or nothing."""

    def __init__(self, *args, headers: list[str], targets, mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        base = [(t.key, t.label) for t in targets if not t.key.startswith("custom.")]
        custom = [(t.key, t.label) for t in targets if t.key.startswith("custom.")]
        choices = [(IGNORE, _("— Do not import —")), *base]
        if custom:
            choices.append((_("Custom fields"), custom))
        self.headers = headers
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = LooseChoiceField(
                label=header or _("Column %(n)d") % {"n": i + 1},
                choices=choices,
                required=False,
                initial=mapping.get(str(i), IGNORE),
            )

    def to_mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data.get(f"col_{i}") or "" for i in range(len(self.headers))}

    def apply(self, exc: Invalid) -> None:
        for error in exc.errors or [{"field": None, "message": exc.message}]:
            name = (error.get("field") or "").removeprefix("mapping.")
            field = f"col_{name}" if f"col_{name}" in self.fields else None
            self.add_error(field, error["message"])


class OptionsForm(forms.Form):
    dedupe = forms.ChoiceField(label=_("Find duplicates by"), required=False)
    on_duplicate = forms.ChoiceField(
        label=_("When a row is a duplicate"),
        choices=[
            ("skip", _("Skip it: keep the record as it is")),
            ("update", _("Update the record with the row's values")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    owner = forms.ChoiceField(
        label=_("Owner of new records"),
        choices=[("me", _("Me")), ("none", _("Nobody (the unclaimed queue)"))],
        widget=forms.RadioSelect,
        required=False,
    )
    team_ids = forms.MultipleChoiceField(
        label=_("Share new contacts with"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Without a team, new contacts are private to their owner."),
    )
    label = forms.CharField(
        label=_("Label every imported row with"),
        required=False,
        max_length=80,
        help_text=_("An existing label or a new one; leave empty for none."),
        widget=forms.TextInput(attrs={"list": "import-labels", "autocomplete": "off"}),
    )
    default_role = forms.ChoiceField(label=_("Role for rows without one"), required=False)
    default_source_id = LooseChoiceField(label=_("Source for rows without one"), required=False)

    def __init__(self, *args, entity: str, teams, sources, **kwargs):
        super().__init__(*args, **kwargs)
        if entity == ImportEntity.CONTACTS:
            self.fields["dedupe"].choices = [
                ("email", _("Email address")),
                ("none", _("Nothing: import every row")),
            ]
            self.fields["team_ids"].choices = [(str(t.pk), t.name) for t in teams]
            self.fields["default_source_id"].choices = [
                ("", _("— None —")),
                *((str(s.pk), s.name) for s in sources),
            ]
        else:
            self.fields["dedupe"].choices = [
                ("name", _("Name")),
                ("domain", _("Domain")),
                ("none", _("Nothing: import every row")),
            ]
            self.fields["owner"].label = _("Owner of new companies")
            for name in ("team_ids", "default_source_id"):
                del self.fields[name]
        self.fields["default_role"].choices = [("", _("Lead (the default)")), *CustomerRole.choices]

    def to_options(self) -> dict:
        data = dict(self.cleaned_data)
        if "team_ids" in data:
            data["team_ids"] = [int(x) for x in data["team_ids"]]
        return data

    def apply(self, exc: Invalid) -> None:
        for error in exc.errors or [{"field": None, "message": exc.message}]:
            name = error.get("field")
            self.add_error(name if name in self.fields else None, error["message"])
