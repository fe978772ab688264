from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TIME_ZONE_CHOICES, Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("That email and password do not match. Check both and try again."),
        "inactive": _("This account is switched off."),
    }

    def clean_username(self):
        # Emails are stored lower-cased; people type them however they like.
        return (self.cleaned_data.get("username") or "").strip().lower()


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[("UTC", "UTC"), *TIME_ZONE_CHOICES]
    )


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, help_text=_("At least 8 characters.")
    )
    workspace = forms.CharField(label=_("Organisation"), max_length=120)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput,
        help_text=_("At least 8 characters."),
    )


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=120)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    color = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#64748b",
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80, initial=_("API token"))
