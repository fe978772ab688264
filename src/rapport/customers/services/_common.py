"""Shared validation for customer records: collect every error, then refuse at once."""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from rapport.core.errors import Errors, NotFound
from rapport.core.models import Category, Membership, Team, Workspace
from rapport.customers.models import CustomerRole

PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_OTHER = 20
UNSET = object()


def text(errors: Errors, data: dict, name: str, max_length: int) -> str | None:
    """A trimmed single-line string, or None when `name` is absent (untouched)."""
    if name not in data:
        return None
    value = data[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter text."))
        return None
    value = value.strip()
    if len(value) > max_length:
        errors.add(name, _("Use at most %(n)d characters.") % {"n": max_length})
        return None
    # isprintable() is False for every control character: most text skips the slow scan.
    if not value.isprintable() and any(unicodedata.category(ch) == "Cc" for ch in value):
        errors.add(name, _("Remove the control characters."))
        return None
    return value


def email(errors: Errors, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter a valid email address."))
        return None
    value = value.strip().lower()
    if len(value) > 254:
        errors.add(name, _("An email address has at most 254 characters."))
        return None
    try:
        validate_email(value)
    except ValidationError:
        errors.add(name, _("Enter a valid email address."))
        return None
    return value


def phone(errors: Errors, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not PHONE.match(value.strip()):
        errors.add(name, _("Enter a valid phone number (digits, spaces, + ( ) - . /)."))
        return None
    return value.strip()


def many(errors: Errors, data: dict, name: str, clean) -> list[str] | None:
    """A list of emails or phones, without blanks and duplicates."""
    if name not in data:
        return None
    value = data[name]
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,;\n]", value)]
    if not isinstance(value, list):
        errors.add(name, _("Give a list."))
        return None
    if len(value) > MAX_OTHER:
        errors.add(name, _("Give at most %(n)d.") % {"n": MAX_OTHER})
        return None
    result: list[str] = []
    for item in value:
        cleaned = clean(errors, name, item.strip() if isinstance(item, str) else item)
        if cleaned is None:
            return None
        if cleaned and cleaned not in result:
            result.append(cleaned)
    return result


def website(errors: Errors, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter a valid web address."))
        return None
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        errors.add(name, _("Enter a valid web address."))
        return None
    if len(value) > 500:
        errors.add(name, _("Use at most %(n)d characters.") % {"n": 500})
        return None
    return value


def domain(errors: Errors, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter a domain such as example.com."))
        return None
    value = value.strip().lower().removeprefix("www.")
    if not DOMAIN.match(value):
        errors.add(name, _("Enter a domain such as example.com."))
        return None
    return value


def domain_of(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    host = host.removeprefix("www.")
    return host if DOMAIN.match(host) else ""


def role(errors: Errors, data: dict, name: str = "role") -> str | None:
    if name not in data:
        return None
    value = data[name]
    if value not in CustomerRole.values:
        errors.add(name, _("Use lead, prospect or client."))
        return None
    return value


def flag(errors: Errors, data: dict, name: str) -> bool | None:
    if name not in data:
        return None
    value = data[name]
    if not isinstance(value, bool):
        errors.add(name, _("Use true or false."))
        return None
    return value


def parse_id(value: Any) -> int | None:
    """A positive 64-bit id from an int or a string of digits; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            return None
        value = int(value)
    return value if 0 < value < 2**63 else None


def category(
    errors: Errors, workspace: Workspace, data: dict, name: str, kind: str
) -> Category | None | object:
    """The category named by `data[name]` (UNSET when absent, None when cleared)."""
    if name not in data:
        return UNSET
    raw = data[name]
    if raw is None or raw == "":
        return None
    pk = parse_id(raw)
    found = Category.objects.filter(workspace=workspace, kind=kind, pk=pk).first() if pk else None
    if found is None:
        errors.add(name, _("Choose one of the workspace's options."))
        return UNSET
    return found


def id_list(errors: Errors, data: dict, name: str, *, limit: int = 100) -> list[int] | None:
    """`data[name]` as distinct ids in their order: None (and an error) when it is not a
    list of ids or holds more than `limit` items, None without one when absent."""
    if name not in data:
        return None
    raw = data[name]
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        errors.add(name, _("Give a list of ids."))
        return None
    if len(raw) > limit:
        errors.add(name, _("Give at most %(n)d.") % {"n": limit})
        return None
    ids = [parse_id(item) for item in raw]
    if None in ids:
        errors.add(name, _("Give a list of ids."))
        return None
    return list(dict.fromkeys(ids))


def categories(errors: Errors, workspace: Workspace, data: dict, name: str, kind: str):
    ids = id_list(errors, data, name)
    if ids is None:
        return None
    found = list(Category.objects.filter(workspace=workspace, kind=kind, pk__in=ids))
    if len(found) != len(ids):
        errors.add(name, _("Choose labels of this workspace."))
        return None
    return sorted(found, key=lambda c: (c.position, c.pk))


def teams(errors: Errors, workspace: Workspace, data: dict, name: str = "team_ids"):
    ids = id_list(errors, data, name)
    if ids is None:
        return None
    found = list(Team.objects.filter(workspace=workspace, pk__in=ids).order_by("name", "id"))
    if len(found) != len(ids):
        errors.add(name, _("Choose teams of this workspace."))
        return None
    return found


def member_user(errors: Errors, workspace: Workspace, data: dict, name: str = "owner_id"):
    """The user a record is given to: UNSET when absent, None for "nobody"."""
    if name not in data:
        return UNSET
    raw = data[name]
    if raw is None or raw == "":
        return None
    pk = parse_id(raw)
    membership = (
        Membership.objects.select_related("user").filter(workspace=workspace, user_id=pk).first()
        if pk
        else None
    )
    if membership is None:
        errors.add(name, _("Choose a member of this workspace."))
        return UNSET
    return membership.user


def not_found(kind: str) -> NotFound:
    return NotFound(_("%(kind)s not found.") % {"kind": kind})


def names(items) -> list[str]:
    return [str(i) for i in items]


def sync_links(*, workspace: Workspace, through, parent: str, obj, child: str, old, new) -> bool:
    """Make `obj`'s rows in the link table `through` point at exactly `new`.

    Returns False, touching nothing, when `old` and `new` hold the same rows.
    """
    if {x.pk for x in old} == {x.pk for x in new}:
        return False
    through.objects.filter(**{parent: obj}).exclude(**{f"{child}__in": new}).delete()
    have = {x.pk for x in old}
    through.objects.bulk_create(
        [through(workspace=workspace, **{parent: obj, child: x}) for x in new if x.pk not in have]
    )
    return True


def assign(
    instance, values: dict, names: tuple[str, ...], *, related=(), by_id=()
) -> tuple[dict, list[str]]:
    """Set each of `names` present in `values` that differs; return the changes
    ({field: [old, new]}) and the changed fields. Related rows are recorded by name,
    those in `by_id` by id (for rows a timeline reader may not be allowed to see)."""
    changes: dict = {}
    fields: list[str] = []
    for name in names:
        if name not in values:
            continue
        old, new = getattr(instance, name), values[name]
        if old == new:
            continue
        if name in by_id:
            changes[name] = [old.pk if old else None, new.pk if new else None]
        elif name in related:
            changes[name] = [str(old) if old else None, str(new) if new else None]
        else:
            changes[name] = [old, new]
        setattr(instance, name, new)
        fields.append(name)
    return changes, fields
