"""Every write to workspaces, people, teams, settings and tokens goes through here.

Each function checks the actor's permission, validates, writes in one transaction and
records the activity. Signatures are keyword-only: workspace and actor first.
"""

import datetime as dt
import re
import secrets
import smtplib
import unicodedata

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from rapport.core.activity import diff, record_activity
from rapport.core.categories import DEFAULTS, KINDS, LOCKED_DEAL_STATUSES, REFERENCES
from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from rapport.core.models import (
    ROLE_RANK,
    ApiToken,
    Category,
    Invitation,
    LoginThrottle,
    Membership,
    Role,
    Team,
    TeamMember,
    User,
    Workspace,
    hash_token,
)
from rapport.core.modules import MODULES

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
INVITATION_DAYS = 7


# --- permission helpers -------------------------------------------------------------


def require_admin(actor: Membership) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only workspace owners and admins can do this."))


def _clean_name(value: str | None, *, field: str = "name", max_length: int = 80) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(_("This field is required."), field=field)
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise Invalid(_("Remove the control characters from this name."), field=field)
    if len(value) > max_length:
        raise Invalid(_("Use at most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _clean_email(value: str | None, *, field: str = "email") -> str:
    value = (value or "").strip().lower()
    if len(value) > 254:
        raise Invalid(_("An email address has at most 254 characters."), field=field)
    try:
        validate_email(value)
    except ValidationError as exc:
        raise Invalid(_("Enter a valid email address."), field=field) from exc
    return value


def _clean_password(password: str | None, *, user: User | None = None) -> str:
    try:
        validate_password(password or "", user=user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), field="password") from exc
    return password


def _clean_role(role: str | None) -> str:
    if role not in Role.values:
        raise Invalid(_("Choose owner, admin or member."), field="role")
    return role


# --- users and workspaces -----------------------------------------------------------


def user_create(*, email: str, password: str, name: str = "", language: str = "en") -> User:
    email = _clean_email(email)
    if User.objects.filter(email=email).exists():
        raise Conflict(_("A user with this email already exists."), field="email")
    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("Choose English, Polish or Dutch."), field="language")
    user = User(email=email, name=(name or "").strip()[:150], language=language)
    _clean_password(password, user=user)
    user.set_password(password)
    user.save()
    return user


def account_update(*, user: User, name: str, language: str, time_zone: str) -> User:
    from rapport.core.models import TIME_ZONE_CHOICES

    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("Choose English, Polish or Dutch."), field="language")
    if time_zone not in dict(TIME_ZONE_CHOICES) and time_zone != "UTC":
        raise Invalid(_("Choose a time zone from the list."), field="time_zone")
    user.name = (name or "").strip()[:150]
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["name", "language", "time_zone"])
    return user


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "workspace"
    slug = base
    while Workspace.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def workspace_create(*, name: str, owner: User, trial: bool = False) -> Workspace:
    """A new workspace with `owner` as its owner and the default settings loaded."""
    name = _clean_name(name, max_length=120)
    with transaction.atomic():
        workspace = Workspace.objects.create(
            name=name,
            slug=_unique_slug(name),
            language=owner.language,
            modules={key: m.default for key, m in MODULES.items()},
            trial_ends_at=(
                timezone.now() + dt.timedelta(days=settings.RAPPORT_TRIAL_DAYS) if trial else None
            ),
        )
        membership = Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        seed_default_categories(workspace=workspace, language=owner.language)
        record_activity(
            workspace=workspace,
            actor=membership,
            verb="workspace.created",
            target=workspace,
            summary=_("Created the workspace %(name)s") % {"name": name},
        )
    if owner.last_workspace_id is None:
        owner.last_workspace = workspace
        owner.save(update_fields=["last_workspace"])
    return workspace


def seed_default_categories(*, workspace: Workspace, language: str) -> None:
    rows = []
    for kind, entries in DEFAULTS.items():
        for position, (system_key, color, names) in enumerate(entries):
            rows.append(
                Category(
                    workspace=workspace,
                    kind=kind,
                    name=names.get(language, names["en"]),
                    color=color,
                    position=position,
                    system_key=system_key,
                    locked=kind == "deal-statuses" and system_key in LOCKED_DEAL_STATUSES,
                )
            )
    Category.objects.bulk_create(rows)


def workspace_update(*, workspace: Workspace, actor: Membership, name: str) -> Workspace:
    require_admin(actor)
    name = _clean_name(name, max_length=120)
    with transaction.atomic():
        _update_recorded(
            workspace, {"name": name}, workspace=workspace, actor=actor, verb="workspace.updated"
        )
    return workspace


def signup(
    *, email: str, password: str, name: str, workspace_name: str, language: str = "en"
) -> tuple[User, Workspace]:
    """Hosted sign-up: a new user owning a new workspace on a trial."""
    if not settings.RAPPORT_SIGNUP:
        raise Forbidden(_("Sign-up is not open on this server."))
    with transaction.atomic():
        user = user_create(email=email, password=password, name=name, language=language)
        workspace = workspace_create(name=workspace_name, owner=user, trial=True)
    return user, workspace


# --- members and invitations --------------------------------------------------------


def member_add(
    *,
    workspace: Workspace,
    actor: Membership | None,
    user: User,
    role: str,
    team_names: list[str] | None = None,
) -> Membership:
    """Seat an existing user. `actor=None` is the operator's CLI."""
    role = _clean_role(role)
    if actor is not None:
        require_admin(actor)
        if role == Role.OWNER and not actor.is_owner:
            raise Forbidden(_("Only an owner can add another owner."))
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            workspace=workspace, user=user, defaults={"role": role}
        )
        if not created:
            raise Conflict(
                _("%(email)s is already a member.") % {"email": user.email}, field="email"
            )
        for team_name in team_names or []:
            team, _created = Team.objects.get_or_create(
                workspace=workspace, name=_clean_name(team_name, field="team")
            )
            TeamMember.objects.get_or_create(workspace=workspace, team=team, user=user)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="member.added",
            target=membership,
            summary=f"{user.email} ({role})",
        )
    if user.last_workspace_id is None:
        user.last_workspace = workspace
        user.save(update_fields=["last_workspace"])
    return membership


def invitation_create(
    *, workspace: Workspace, actor: Membership, email: str, role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """An invitation and its raw token (only its hash is stored), emailed to the invitee.

    The email goes out inside the transaction on purpose: an invitation nobody received is
    useless, so when the mail server refuses, nothing is stored and the caller is told.
    """
    require_admin(actor)
    email = _clean_email(email)
    role = _clean_role(role)
    if role == Role.OWNER and not actor.is_owner:
        raise Forbidden(_("Only an owner can invite another owner."))
    if Membership.objects.filter(workspace=workspace, user__email=email).exists():
        raise Conflict(_("%(email)s is already a member.") % {"email": email}, field="email")
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=hash_token(raw),
            invited_by=actor.user,
            expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
        )
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="member.invited",
            target=invitation,
            summary=f"{email} ({role})",
        )
        try:
            _send_invitation(invitation, raw)
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable(
                _(
                    "The invitation email could not be sent (%(error)s). Nothing was saved: "
                    "try again in a moment."
                )
                % {"error": exc.__class__.__name__}
            ) from exc
    return invitation, raw


def invitation_cancel(*, workspace: Workspace, actor: Membership, invitation_id: int) -> None:
    """Withdraw a pending invitation: its link stops working at once."""
    require_admin(actor)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(workspace=workspace, pk=invitation_id, accepted_at__isnull=True)
            .first()
        )
        if invitation is None:
            raise NotFound(_("No such invitation."))
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="member.invitation_cancelled",
            target=invitation,
            summary=invitation.email,
        )
        invitation.delete()


def _send_invitation(invitation: Invitation, raw: str) -> None:
    from rapport.core.mail import send_templated

    existing = User.objects.filter(email=invitation.email).first()
    language = existing.language if existing else invitation.workspace.language
    with override(language):
        send_templated(
            to=[invitation.email],
            subject=_("You are invited to %(ws)s on Rapport") % {"ws": invitation.workspace.name},
            template="core/email/invitation.txt",
            context={
                "invitation": invitation,
                "inviter": invitation.invited_by,
                "url": f"{settings.RAPPORT_BASE_URL}/invite/{raw}/",
            },
        )


def invitation_get(*, raw_token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("workspace")
        .filter(
            token_hash=hash_token(raw_token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation is not valid any more. Ask for a new one."))
    return invitation


def invitation_accept(
    *, raw_token: str, user: User | None, name: str = "", password: str = ""
) -> Membership:
    """Accept as the logged-in `user`, or create the account with `name` and `password`."""
    with transaction.atomic():
        invitation = invitation_get(raw_token=raw_token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise NotFound(_("This invitation is not valid any more. Ask for a new one."))
        if user is None:
            if User.objects.filter(email=invitation.email).exists():
                raise Conflict(_("You already have an account: log in to accept."))
            user = user_create(
                email=invitation.email,
                password=password,
                name=name,
                language=invitation.workspace.language,
            )
        elif user.email != invitation.email:
            raise Forbidden(_("This invitation was sent to another email address."))
        membership, created = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        if created:
            record_activity(
                workspace=invitation.workspace,
                actor=membership,
                verb="member.joined",
                target=membership,
                summary=user.email,
            )
    user.last_workspace = invitation.workspace
    user.save(update_fields=["last_workspace"])
    return membership


def _owner_count(workspace: Workspace) -> int:
    # Locks the owner rows (in pk order) so two owners demoting each other at once cannot
    # both see "another owner remains" and leave the workspace with none.
    return len(
        Membership.objects.select_for_update()
        .filter(workspace=workspace, role=Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _member_for_update(workspace: Workspace, user_id: int) -> Membership:
    target = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(workspace=workspace, user_id=user_id)
        .first()
    )
    if target is None:
        raise NotFound(_("No such member."))
    return target


def member_change_role(
    *, workspace: Workspace, actor: Membership, user_id: int, role: str
) -> Membership:
    require_admin(actor)
    role = _clean_role(role)
    with transaction.atomic():
        target = _member_for_update(workspace, user_id)
        touches_owner = Role.OWNER in (target.role, role)
        if touches_owner and not actor.is_owner:
            raise Forbidden(_("Only an owner can make or unmake owners."))
        if target.role == Role.OWNER and role != Role.OWNER and _owner_count(workspace) == 1:
            raise Conflict(_("A workspace needs at least one owner."), field="role")
        _update_recorded(
            target,
            {"role": role},
            workspace=workspace,
            actor=actor,
            verb="member.role_changed",
            summary=target.user.email,
        )
    return target


def member_remove(*, workspace: Workspace, actor: Membership, user_id: int) -> None:
    require_admin(actor)
    with transaction.atomic():
        target = _member_for_update(workspace, user_id)
        if target.role == Role.OWNER and not actor.is_owner:
            raise Forbidden(_("Only an owner can remove an owner."))
        if target.role == Role.OWNER and _owner_count(workspace) == 1:
            raise Conflict(_("A workspace needs at least one owner."))
        TeamMember.objects.filter(workspace=workspace, user_id=user_id).delete()
        ApiToken.objects.filter(workspace=workspace, user_id=user_id).delete()
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="member.removed",
            target=target,
            summary=target.user.email,
        )
        target.delete()


# --- teams --------------------------------------------------------------------------


def _team_for_update(workspace: Workspace, team_id: int) -> Team:
    team = Team.objects.select_for_update().filter(workspace=workspace, pk=team_id).first()
    if team is None:
        raise NotFound(_("No such team."))
    return team


def _save_unique(instance: models.Model, *, message: str, update_fields=None) -> None:
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise Conflict(message, field="name") from exc


def _update_recorded(
    instance: models.Model,
    values: dict,
    *,
    workspace: Workspace,
    actor: Membership,
    verb: str,
    summary: str = "",
    duplicate_message: str | None = None,
) -> dict[str, list]:
    """Set the values that differ, save only those fields, and record old -> new.

    With `duplicate_message`, a unique-constraint clash becomes a 409 on `name`.
    """
    changes = diff(instance, values)
    if not changes:
        return changes
    for field, (_old, new) in changes.items():
        setattr(instance, field, new)
    if duplicate_message:
        _save_unique(instance, message=duplicate_message, update_fields=list(changes))
    else:
        instance.save(update_fields=list(changes))
    record_activity(
        workspace=workspace,
        actor=actor,
        verb=verb,
        target=instance,
        summary=summary or str(instance),
        changes=changes,
    )
    return changes


def team_create(*, workspace: Workspace, actor: Membership, name: str) -> Team:
    require_admin(actor)
    name = _clean_name(name)
    with transaction.atomic():
        team = Team(workspace=workspace, name=name)
        _save_unique(team, message=_("A team with this name already exists."))
        record_activity(
            workspace=workspace, actor=actor, verb="team.created", target=team, summary=name
        )
    return team


def team_update(*, workspace: Workspace, actor: Membership, team_id: int, name: str) -> Team:
    require_admin(actor)
    name = _clean_name(name)
    with transaction.atomic():
        team = _team_for_update(workspace, team_id)
        _update_recorded(
            team,
            {"name": name},
            workspace=workspace,
            actor=actor,
            verb="team.updated",
            duplicate_message=_("A team with this name already exists."),
        )
    return team


def team_delete(*, workspace: Workspace, actor: Membership, team_id: int) -> None:
    require_admin(actor)
    with transaction.atomic():
        team = _team_for_update(workspace, team_id)
        record_activity(
            workspace=workspace, actor=actor, verb="team.deleted", target=team, summary=team.name
        )
        team.delete()


def team_member_add(*, workspace: Workspace, actor: Membership, team_id: int, user_id: int) -> Team:
    require_admin(actor)
    with transaction.atomic():
        team = _team_for_update(workspace, team_id)
        member = (
            Membership.objects.select_related("user")
            .filter(workspace=workspace, user_id=user_id)
            .first()
        )
        if member is None:
            raise Invalid(_("Choose a member of this workspace."), field="user_id")
        _row, created = TeamMember.objects.get_or_create(
            workspace=workspace, team=team, user_id=user_id
        )
        if created:
            record_activity(
                workspace=workspace,
                actor=actor,
                verb="team.member_added",
                target=team,
                summary=member.user.email,
            )
    return team


def team_member_remove(
    *, workspace: Workspace, actor: Membership, team_id: int, user_id: int
) -> Team:
    require_admin(actor)
    with transaction.atomic():
        team = _team_for_update(workspace, team_id)
        deleted, _rows = TeamMember.objects.filter(
            workspace=workspace, team=team, user_id=user_id
        ).delete()
        if not deleted:
            raise NotFound(_("This person is not in the team."))
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="team.member_removed",
            target=team,
            changes={"user_id": [user_id, None]},
        )
    return team


# --- modules ------------------------------------------------------------------------


def modules_update(
    *, workspace: Workspace, actor: Membership, values: dict[str, bool]
) -> dict[str, bool]:
    require_admin(actor)
    unknown = sorted(set(values) - set(MODULES))
    if unknown:
        raise Invalid(
            _("Unknown module: %(names)s.") % {"names": ", ".join(unknown)},
            errors=[{"field": name, "message": _("Unknown module.")} for name in unknown],
        )
    for name, value in values.items():
        if not isinstance(value, bool):
            raise Invalid(_("Use true or false."), field=name)
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
        before = workspace.enabled_modules()
        after = {**before, **values}
        # A module that needs another cannot stay on without it.
        for key, module in MODULES.items():
            if module.requires and after[key] and not after[module.requires]:
                if values.get(key) is True:
                    raise Invalid(
                        _("%(a)s needs %(b)s switched on.")
                        % {"a": module.label, "b": MODULES[module.requires].label},
                        field=key,
                    )
                after[key] = False
        changes = {k: [before[k], after[k]] for k in MODULES if before[k] != after[k]}
        if changes:
            workspace.modules = after
            workspace.save(update_fields=["modules"])
            record_activity(
                workspace=workspace,
                actor=actor,
                verb="settings.modules_changed",
                target=workspace,
                changes=changes,
            )
    return after


# --- categories ---------------------------------------------------------------------


def require_kind(workspace: Workspace, kind: str) -> str:
    """The kind, if it exists and its module is on; otherwise not found."""
    spec = KINDS.get(kind)
    if spec is None or (spec.module and not workspace.module_enabled(spec.module)):
        raise NotFound(_("Unknown category kind."))
    return kind


def _clean_color(color: str | None) -> str:
    color = (color or "").strip()
    if not HEX_COLOR.match(color):
        raise Invalid(_("Use a colour like #1d4ed8."), field="color")
    return color.lower()


def _category_for_update(workspace: Workspace, kind: str, category_id: int) -> Category:
    category = (
        Category.objects.select_for_update()
        .filter(workspace=workspace, kind=kind, pk=category_id)
        .first()
    )
    if category is None:
        raise NotFound(_("No such category."))
    return category


def _duplicate_category(kind: str) -> str:
    return _("A category with this name already exists in %(kind)s.") % {"kind": KINDS[kind].label}


def category_create(
    *, workspace: Workspace, actor: Membership, kind: str, name: str, color: str = "#64748b"
) -> Category:
    require_admin(actor)
    require_kind(workspace, kind)
    name = _clean_name(name)
    color = _clean_color(color)
    with transaction.atomic():
        last = Category.objects.filter(workspace=workspace, kind=kind).aggregate(m=Max("position"))[
            "m"
        ]
        category = Category(
            workspace=workspace,
            kind=kind,
            name=name,
            color=color,
            position=0 if last is None else last + 1,
        )
        _save_unique(category, message=_duplicate_category(kind))
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="category.created",
            target=category,
            summary=f"{KINDS[kind].label}: {name}",
        )
    return category


def category_update(
    *,
    workspace: Workspace,
    actor: Membership,
    kind: str,
    category_id: int,
    name: str | None = None,
    color: str | None = None,
) -> Category:
    require_admin(actor)
    require_kind(workspace, kind)
    values = {}
    if name is not None:
        values["name"] = _clean_name(name)
    if color is not None:
        values["color"] = _clean_color(color)
    with transaction.atomic():
        category = _category_for_update(workspace, kind, category_id)
        _update_recorded(
            category,
            values,
            workspace=workspace,
            actor=actor,
            verb="category.updated",
            summary=f"{KINDS[kind].label}: {values.get('name', category.name)}",
            duplicate_message=_duplicate_category(kind),
        )
    return category


def category_usage(*, workspace: Workspace, category: Category) -> int:
    """How many records point at this category (through the registered references)."""
    from django.apps import apps

    total = 0
    for model_label, field_name in REFERENCES.get(category.kind, []):
        model = apps.get_model(model_label)
        total += model.objects.filter(workspace=workspace, **{field_name: category}).count()
    return total


def category_usage_counts(*, workspace: Workspace, kind: str) -> dict[int, int]:
    """Records per category of one kind: one grouped query per registered reference."""
    from django.apps import apps
    from django.db.models import Count

    totals: dict[int, int] = {}
    for model_label, field_name in REFERENCES.get(kind, []):
        model = apps.get_model(model_label)
        rows = (
            model.objects.filter(workspace=workspace, **{f"{field_name}__isnull": False})
            .values(field_name)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            totals[row[field_name]] = totals.get(row[field_name], 0) + row["n"]
    return totals


def _move_references(workspace: Workspace, category: Category, target: Category) -> None:
    from django.apps import apps

    for model_label, field_name in REFERENCES.get(category.kind, []):
        model = apps.get_model(model_label)
        field = model._meta.get_field(field_name)
        if field.many_to_many:
            through = field.remote_field.through
            source_col, target_col = field.m2m_field_name(), field.m2m_reverse_field_name()
            holders = set(
                through.objects.filter(**{target_col: target}).values_list(source_col, flat=True)
            )
            # Records that had both keep one link; the others are repointed.
            through.objects.filter(**{target_col: category, f"{source_col}__in": holders}).delete()
            through.objects.filter(**{target_col: category}).update(**{target_col: target})
        else:
            model.objects.filter(workspace=workspace, **{field_name: category}).update(
                **{field_name: target}
            )


def category_delete(
    *,
    workspace: Workspace,
    actor: Membership,
    kind: str,
    category_id: int,
    move_to: int | None = None,
) -> None:
    """Delete a category. Records using it move to `move_to`; without it, in use is 409."""
    require_admin(actor)
    require_kind(workspace, kind)
    with transaction.atomic():
        category = _category_for_update(workspace, kind, category_id)
        if category.locked:
            raise Conflict(
                _("%(name)s is a system status: you can rename or recolour it, but not delete it.")
                % {"name": category.name},
                code="locked",
            )
        target = None
        if move_to is not None:
            if move_to == category.pk:
                raise Invalid(_("Choose another category to move records to."), field="move_to")
            target = Category.objects.filter(workspace=workspace, kind=kind, pk=move_to).first()
            if target is None:
                raise Invalid(_("Choose a category of the same kind."), field="move_to")
        used = category_usage(workspace=workspace, category=category)
        if used and target is None:
            raise Conflict(
                _("%(count)d records use %(name)s: choose the category they move to.")
                % {"count": used, "name": category.name},
                code="in_use",
                field="move_to",
            )
        if used:
            _move_references(workspace, category, target)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="category.deleted",
            target=category,
            summary=f"{KINDS[kind].label}: {category.name}",
            changes={"moved_to": [None, target.pk]} if target and used else None,
        )
        category.delete()
        Category.objects.filter(
            workspace=workspace, kind=kind, position__gt=category.position
        ).update(position=F("position") - 1)


def category_reorder(
    *, workspace: Workspace, actor: Membership, kind: str, ids: list[int]
) -> list[Category]:
    """Put the kind's categories in the order of `ids` (which must name each exactly once)."""
    require_admin(actor)
    require_kind(workspace, kind)
    with transaction.atomic():
        rows = list(
            Category.objects.select_for_update()
            .filter(workspace=workspace, kind=kind)
            .order_by("pk")
        )
        if sorted(ids) != [row.pk for row in rows] or len(set(ids)) != len(ids):
            raise Invalid(_("List every category of this kind exactly once."), field="ids")
        by_id = {row.pk: row for row in rows}
        before = [row.pk for row in sorted(rows, key=lambda r: (r.position, r.pk))]
        for position, pk in enumerate(ids):
            by_id[pk].position = position
        Category.objects.bulk_update(rows, ["position"])
        if before != ids:
            record_activity(
                workspace=workspace,
                actor=actor,
                verb="category.reordered",
                target_type="category",
                summary=str(KINDS[kind].label),
                changes={"order": [before, ids]},
            )
    return [by_id[pk] for pk in ids]


def category_move(
    *, workspace: Workspace, actor: Membership, kind: str, category_id: int, offset: int
) -> list[Category]:
    """Move one category up (-1) or down (+1): the keyboard path of reordering."""
    ids = list(
        Category.objects.filter(workspace=workspace, kind=kind)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    if category_id not in ids:
        require_kind(workspace, kind)
        raise NotFound(_("No such category."))
    i = ids.index(category_id)
    j = min(max(i + offset, 0), len(ids) - 1)
    ids.insert(j, ids.pop(i))
    return category_reorder(workspace=workspace, actor=actor, kind=kind, ids=ids)


# --- API tokens ---------------------------------------------------------------------


def _refuse_while_impersonating(actor: Membership) -> None:
    # A token outlives the impersonation: minting or revoking one would let an admin keep
    # acting as the member after "stop", or undo the member's own integrations.
    if actor.acting_by is not None:
        raise Forbidden(_("Tokens belong to their owner: stop acting as them first."))


def token_create(*, workspace: Workspace, actor: Membership, name: str) -> tuple[ApiToken, str]:
    """A personal token for the actor; returns the row and the raw token (shown once)."""
    _refuse_while_impersonating(actor)
    name = _clean_name(name or "API token")
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            workspace=workspace,
            user=actor.user,
            name=name,
            prefix=raw[:10],
            token_hash=hash_token(raw),
        )
        record_activity(
            workspace=workspace, actor=actor, verb="token.created", target=token, summary=name
        )
    return token, raw


def token_revoke(*, workspace: Workspace, actor: Membership, token_id: int) -> None:
    _refuse_while_impersonating(actor)
    with transaction.atomic():
        updated = ApiToken.objects.filter(
            workspace=workspace, user=actor.user, pk=token_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not updated:
            raise NotFound(_("No such token."))
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="token.revoked",
            target_type="apitoken",
            summary=str(token_id),
        )


def token_authenticate(*, raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "workspace")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy client does not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- impersonation ------------------------------------------------------------------


def impersonation_start(*, workspace: Workspace, actor: Membership, user_id: int) -> Membership:
    """Check that `actor` may act as the member `user_id`; record it."""
    if actor.acting_by is not None:
        raise Conflict(_("Stop the current impersonation first."))
    require_admin(actor)
    target = (
        Membership.objects.select_related("user")
        .filter(workspace=workspace, user_id=user_id)
        .first()
    )
    if target is None:
        raise NotFound(_("No such member."))
    if ROLE_RANK[target.role] >= actor.rank:
        raise Forbidden(_("You can only act as someone with a lower role than yours."))
    with transaction.atomic():
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="impersonation.started",
            target=target,
            summary=target.user.email,
        )
    return target


def impersonation_stop(*, workspace: Workspace, actor: Membership) -> None:
    with transaction.atomic():
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="impersonation.stopped",
            target=actor,
            summary=actor.user.email,
        )


# --- login throttling ---------------------------------------------------------------


def _throttle_key(email: str | None) -> str:
    # Raw form input: drop control characters (PostgreSQL refuses NUL) and bound the length.
    cleaned = "".join(ch for ch in (email or "") if unicodedata.category(ch) != "Cc")
    return cleaned.strip().lower()[:200]


def login_locked_until(*, email: str) -> dt.datetime | None:
    row = LoginThrottle.objects.filter(key=_throttle_key(email)).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


def login_failed(*, email: str) -> None:
    key = _throttle_key(email)
    now = timezone.now()
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(key=key)
        if now - row.first_failure_at > window:
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= settings.LOGIN_FAILURE_LIMIT:
            row.locked_until = now + window
        row.save()


def login_succeeded(*, email: str) -> None:
    LoginThrottle.objects.filter(key=_throttle_key(email)).delete()
