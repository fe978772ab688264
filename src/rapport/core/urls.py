from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from rapport.core import views
from rapport.core.modules import MODULES


class IdConverter:
    """A positive 64-bit id: longer digit runs do not match, so they are a plain 404."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

password_reset = [
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset.html",
            email_template_name="registration/email/password_reset.txt",
            subject_template_name="registration/email/password_reset_subject.txt",
            extra_email_context={"base_url": settings.RAPPORT_BASE_URL},
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

workspace = [
    path("", views.workspace_home, name="workspace_home"),
    path("account/", views.account, name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="account_password"),
    path("account/tokens/", views.tokens, name="account_tokens"),
    path("account/tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/", views.settings_general, name="settings_general"),
    path("settings/modules/", views.settings_modules, name="settings_modules"),
    path("settings/categories/<slug:kind>/", views.settings_categories, name="settings_categories"),
    path(
        "settings/categories/<slug:kind>/<id:category_id>/<slug:action>/",
        views.settings_category_action,
        name="settings_category_action",
    ),
    path("settings/members/", views.settings_members, name="settings_members"),
    path(
        "settings/members/<id:user_id>/<slug:action>/",
        views.settings_member_action,
        name="settings_member_action",
    ),
    path(
        "settings/invitations/<id:invitation_id>/cancel/",
        views.settings_invitation_cancel,
        name="settings_invitation_cancel",
    ),
    path("settings/teams/", views.settings_teams, name="settings_teams"),
    path(
        "settings/teams/<id:team_id>/<slug:action>/",
        views.settings_team_action,
        name="settings_team_action",
    ),
    path("settings/activity/", views.settings_activity, name="settings_activity"),
    path("", include("rapport.customers.urls")),
    path("settings/custom-fields/", include("rapport.customfields.urls")),
    path("", include("rapport.dataio.urls")),
    path("lists/", include("rapport.lists.urls")),
    path("search/", include("rapport.search.urls")),
    path("", include("rapport.projects.urls")),
    path("impersonate/stop/", views.impersonate_stop, name="impersonate_stop"),
    path("impersonate/<id:user_id>/", views.impersonate_start, name="impersonate_start"),
    *[
        path(f"{key}/", views.module_home(key), name=f"module_{key.replace('-', '_')}")
        for key in MODULES
        if key != "projects"
    ],
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
    *password_reset,
    path("w/<slug:slug>/", include(workspace)),
]
