"""Pages of the shell: sign-in, account, home, settings. Resolve, parse, call, render."""

import math
from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core import selectors, services
from rapport.core.access import IMPERSONATION_KEY, workspace_view
from rapport.core.categories import KINDS
from rapport.core.errors import DomainError
from rapport.core.forms import (
    AcceptInvitationForm,
    AccountForm,
    CategoryForm,
    InviteForm,
    LoginForm,
    NameForm,
    RoleForm,
    SignupForm,
    TokenForm,
    WorkspaceForm,
)
from rapport.core.models import Role
from rapport.core.modules import MODULES
from rapport.core.pagination import keyset_page


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _post_id(request, name: str) -> int | None:
    """A positive 64-bit id from the POST body, or None for anything else."""
    raw = request.POST.get(name, "")
    ok = raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18
    return int(raw) if ok and int(raw) > 0 else None


@contextmanager
def _flash_domain_errors(request):
    """Run a POST action: "not found" stays a 404, any other refusal becomes a message."""
    try:
        yield
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)


# --- public ---------------------------------------------------------------------------


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "")
        until = services.login_locked_until(email=email)
        if until is not None:
            form = self.get_form()
            form.errors.clear()
            minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
            form.add_error(
                None,
                _(
                    "Too many failed attempts for this email. Try again in %(n)d minutes, "
                    "or reset your password."
                )
                % {"n": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        services.login_failed(email=self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        services.login_succeeded(email=form.get_user().email)
        return super().form_valid(form)


def signup(request):
    from django.conf import settings

    if not settings.RAPPORT_SIGNUP:
        raise Http404("Sign-up is closed.")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, workspace = services.signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
                workspace_name=form.cleaned_data["workspace"],
                language=form.cleaned_data["language"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("workspace_home", workspace.slug)
    return render(request, "registration/signup.html", {"form": form})


def accept_invitation(request, token: str):
    try:
        invitation = services.invitation_get(raw_token=token)
    except DomainError:
        return render(request, "registration/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (user is not None or form.is_valid()):
        try:
            membership = services.invitation_accept(
                raw_token=token,
                user=user,
                name=form.cleaned_data.get("name", "") if user is None else "",
                password=form.cleaned_data.get("password", "") if user is None else "",
            )
        except DomainError as exc:
            if form.is_bound and hasattr(form, "cleaned_data"):
                _form_error(form, exc)
            else:
                messages.error(request, exc.message)
        else:
            if user is None:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(ws)s.") % {"ws": membership.workspace})
            return redirect("workspace_home", membership.workspace.slug)
    return render(
        request,
        "registration/accept_invitation.html",
        {"invitation": invitation, "form": form, "existing_user": user},
    )


@login_required
def home(request):
    """The user's last workspace, or the list of them when there is none."""
    memberships = list(selectors.memberships_of(user=request.user))
    for m in memberships:
        if m.workspace_id == request.user.last_workspace_id:
            return redirect("workspace_home", m.workspace.slug)
    if memberships:
        return redirect("workspace_home", memberships[0].workspace.slug)
    return render(request, "core/no_workspace.html")


# --- workspace pages --------------------------------------------------------------------


@workspace_view()
def workspace_home(request):
    workspace = request.workspace
    context = {
        "member_count": selectors.membership_list(workspace=workspace).count(),
        "team_count": selectors.team_list(workspace=workspace).count(),
        "my_teams": list(selectors.teams_of(workspace=workspace, user=request.membership.user)),
    }
    if request.membership.is_admin:
        context["recent"] = list(
            selectors.activity_list(workspace=workspace, actor=request.membership).order_by(
                "-at", "-id"
            )[:8]
        )
    return render(request, "core/home.html", context)


def module_home(module_key: str):
    @workspace_view(module=module_key)
    def view(request):
        return render(request, "core/module_home.html", {"module": MODULES[module_key]})

    view.__name__ = f"module_{module_key.replace('-', '_')}"
    return view


# --- account ----------------------------------------------------------------------------


@workspace_view()
def account(request):
    user = request.user
    form = AccountForm(
        request.POST or None,
        initial={"name": user.name, "language": user.language, "time_zone": user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(user=user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("account", request.workspace.slug)
    return render(request, "account/profile.html", {"form": form, "section": "profile"})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "account/password.html"

    def dispatch(self, request, *args, **kwargs):
        return workspace_view()(self._inner)(request, *args, **kwargs)

    def _inner(self, request, *args, **kwargs):
        self.request = request
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return reverse("account_password", args=[self.request.workspace.slug])

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "section": "password"}


@workspace_view()
def tokens(request):
    actor = request.membership
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.token_create(
                workspace=request.workspace, actor=actor, name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            form = TokenForm()
    rows = selectors.token_list(workspace=request.workspace, actor=actor).order_by("-id")[:200]
    return render(
        request,
        "account/tokens.html",
        {"form": form, "tokens": rows, "new_token": new_token, "section": "tokens"},
    )


@require_POST
@workspace_view()
def token_revoke(request, token_id: int):
    with _flash_domain_errors(request):
        services.token_revoke(
            workspace=request.workspace, actor=request.membership, token_id=token_id
        )
        messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("account_tokens", request.workspace.slug)


# --- settings ---------------------------------------------------------------------------


def _settings_context(request, section: str, **extra):
    kinds = [
        k for k in KINDS.values() if not k.module or request.workspace.module_enabled(k.module)
    ]
    return {"section": section, "kinds": kinds, **extra}


@workspace_view(admin=True)
def settings_general(request):
    form = WorkspaceForm(request.POST or None, initial={"name": request.workspace.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(
                workspace=request.workspace,
                actor=request.membership,
                name=form.cleaned_data["name"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Workspace settings saved."))
            return redirect("settings_general", request.workspace.slug)
    return render(
        request, "settings/general.html", _settings_context(request, "general", form=form)
    )


@workspace_view(admin=True)
def settings_modules(request):
    if request.method == "POST":
        values = {key: request.POST.get(key) == "on" for key in MODULES}
        try:
            services.modules_update(
                workspace=request.workspace, actor=request.membership, values=values
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Modules saved."))
        return redirect("settings_modules", request.workspace.slug)
    states = request.workspace.enabled_modules()
    rows = [(module, states[key]) for key, module in MODULES.items()]
    return render(
        request, "settings/modules.html", _settings_context(request, "modules", rows=rows)
    )


def _category_page(request, kind, *, form=None, errors=None, status=200):
    rows = list(
        selectors.category_list(
            workspace=request.workspace, actor=request.membership, kind=kind
        ).order_by("position", "id")
    )
    counts = services.category_usage_counts(workspace=request.workspace, kind=kind)
    usage = {c.pk: counts.get(c.pk, 0) for c in rows}
    context = _settings_context(
        request,
        "categories",
        kind=KINDS[kind],
        rows=rows,
        usage=usage,
        form=form or CategoryForm(),
        row_errors=errors or {},
    )
    template = (
        "settings/partials/category_list.html" if request.htmx else "settings/categories.html"
    )
    return render(request, template, context, status=status)


@workspace_view(admin=True)
def settings_categories(request, kind: str):
    try:
        services.require_kind(request.workspace, kind)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    form = None
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = services.category_create(
                    workspace=request.workspace,
                    actor=request.membership,
                    kind=kind,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                _form_error(form, exc)
                return _category_page(request, kind, form=form, status=422)
            if not request.htmx:
                messages.success(request, _("%(name)s added.") % {"name": category.name})
                return redirect("settings_categories", request.workspace.slug, kind)
            form = None
        else:
            return _category_page(request, kind, form=form, status=422)
    return _category_page(request, kind, form=form)


@require_POST
@workspace_view(admin=True)
def settings_category_action(request, kind: str, category_id: int, action: str):
    ws, actor = request.workspace, request.membership
    errors = {}
    try:
        if action == "update":
            form = CategoryForm(request.POST)
            if not form.is_valid():
                errors[category_id] = " ".join(e for errs in form.errors.values() for e in errs)
            else:
                services.category_update(
                    workspace=ws,
                    actor=actor,
                    kind=kind,
                    category_id=category_id,
                    **form.cleaned_data,
                )
        elif action in ("up", "down"):
            services.category_move(
                workspace=ws,
                actor=actor,
                kind=kind,
                category_id=category_id,
                offset=-1 if action == "up" else 1,
            )
        elif action == "delete":
            services.category_delete(
                workspace=ws,
                actor=actor,
                kind=kind,
                category_id=category_id,
                move_to=_post_id(request, "move_to"),
            )
        else:
            raise Http404("Unknown action.")
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        errors[category_id] = exc.message
    if request.htmx:
        return _category_page(request, kind, errors=errors, status=422 if errors else 200)
    for message in errors.values():
        messages.error(request, message)
    return redirect("settings_categories", ws.slug, kind)


@workspace_view(admin=True)
def settings_members(request):
    ws, actor = request.workspace, request.membership
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(workspace=ws, actor=actor, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("settings_members", ws.slug)
    members = list(selectors.membership_list(workspace=ws).order_by("user__email"))
    teams_by_user: dict[int, list[str]] = {}
    for team in selectors.team_list(workspace=ws).order_by("name"):
        for tm in team.memberships.all():
            teams_by_user.setdefault(tm.user_id, []).append(team.name)
    rows = [(m, teams_by_user.get(m.user_id, [])) for m in members]
    return render(
        request,
        "settings/members.html",
        _settings_context(
            request,
            "members",
            form=form,
            rows=rows,
            roles=Role.choices,
            invitations=selectors.invitation_pending(workspace=ws)[:100],
        ),
    )


@require_POST
@workspace_view(admin=True)
def settings_member_action(request, user_id: int, action: str):
    ws, actor = request.workspace, request.membership
    if action not in ("role", "remove"):
        raise Http404("Unknown action.")
    with _flash_domain_errors(request):
        if action == "remove":
            services.member_remove(workspace=ws, actor=actor, user_id=user_id)
            messages.success(request, _("Member removed."))
        elif (form := RoleForm(request.POST)).is_valid():
            services.member_change_role(
                workspace=ws, actor=actor, user_id=user_id, role=form.cleaned_data["role"]
            )
            messages.success(request, _("Role changed."))
        else:
            messages.error(request, _("Choose owner, admin or member."))
    return redirect("settings_members", ws.slug)


@require_POST
@workspace_view(admin=True)
def settings_invitation_cancel(request, invitation_id: int):
    with _flash_domain_errors(request):
        services.invitation_cancel(
            workspace=request.workspace, actor=request.membership, invitation_id=invitation_id
        )
        messages.success(request, _("Invitation withdrawn."))
    return redirect("settings_members", request.workspace.slug)


@workspace_view(admin=True)
def settings_teams(request):
    ws, actor = request.workspace, request.membership
    form = NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(workspace=ws, actor=actor, name=form.cleaned_data["name"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Team created."))
            return redirect("settings_teams", ws.slug)
    teams = list(selectors.team_list(workspace=ws).order_by("name"))
    members = list(selectors.membership_list(workspace=ws).order_by("user__email"))
    return render(
        request,
        "settings/teams.html",
        _settings_context(request, "teams", form=form, teams=teams, members=members),
    )


@require_POST
@workspace_view(admin=True)
def settings_team_action(request, team_id: int, action: str):
    ws, actor = request.workspace, request.membership
    if action not in ("rename", "delete", "add", "remove"):
        raise Http404("Unknown action.")
    user_id = _post_id(request, "user_id")
    with _flash_domain_errors(request):
        if action == "delete":
            services.team_delete(workspace=ws, actor=actor, team_id=team_id)
            messages.success(request, _("Team deleted."))
        elif action == "rename":
            form = NameForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the team a name."))
            else:
                services.team_update(
                    workspace=ws, actor=actor, team_id=team_id, name=form.cleaned_data["name"]
                )
                messages.success(request, _("Team renamed."))
        elif user_id is None:
            messages.error(request, _("Choose a member."))
        else:
            change = services.team_member_add if action == "add" else services.team_member_remove
            change(workspace=ws, actor=actor, team_id=team_id, user_id=user_id)
    return redirect("settings_teams", ws.slug)


@workspace_view(admin=True)
def settings_activity(request):
    qs = selectors.activity_list(workspace=request.workspace, actor=request.membership)
    try:
        page = keyset_page(qs, order=("-at", "-id"), limit=50, cursor=request.GET.get("cursor"))
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return render(
        request, "settings/activity.html", _settings_context(request, "activity", page=page)
    )


# --- impersonation ----------------------------------------------------------------------


@require_POST
@workspace_view(admin=True)
def impersonate_start(request, user_id: int):
    try:
        target = services.impersonation_start(
            workspace=request.workspace, actor=request.membership, user_id=user_id
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("settings_members", request.workspace.slug)
    request.session[IMPERSONATION_KEY] = {
        "workspace_id": request.workspace.pk,
        "user_id": target.user_id,
    }
    messages.info(
        request, _("You are now acting as %(name)s.") % {"name": target.user.display_name}
    )
    return redirect("workspace_home", request.workspace.slug)


@require_POST
@workspace_view()
def impersonate_stop(request):
    if request.membership.acting_by is not None:
        services.impersonation_stop(workspace=request.workspace, actor=request.membership)
    request.session.pop(IMPERSONATION_KEY, None)
    messages.info(request, _("You are yourself again."))
    return redirect("settings_members", request.workspace.slug)


def api_not_found(request, rest: str = ""):
    return JsonResponse({"detail": "Not found.", "errors": []}, status=404)


def favicon(request):
    return HttpResponse(status=204)
