"""Every write to user lists: any member creates one; its creator or an admin changes it."""

import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.core.activity import diff, record_activity
from rapport.core.errors import Forbidden, Invalid, NotFound
from rapport.core.models import Membership, Workspace
from rapport.filters import PAGING_PARAMS
from rapport.lists.models import UserList
from rapport.lists.selectors import may_manage_list, read_filter

MAX_NAME = 120
MAX_DESCRIPTION = 2000
MAX_FILTER_KEYS = 40


def clean_filter(raw: Any) -> dict[str, str]:
    """The filter as the language's dict of strings, without paging keys and empty values.

    Shape only; `read_filter` judges the names and values.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_FILTER_KEYS:
        raise Invalid(
            _("The filter is an object of at most %(n)d parameters.") % {"n": MAX_FILTER_KEYS},
            field="filter",
        )
    clean = {}
    for key, value in raw.items():
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(v.strip() for v in value if v.strip())
        if not isinstance(key, str) or not isinstance(value, str):
            raise Invalid(_("Each filter value is a string."), field=f"filter.{str(key)[:50]}")
        value = value.strip()
        if key in PAGING_PARAMS or value == "":
            continue
        clean[key] = value
    return clean


def _text(errors: list, data: dict, name: str, max_length: int, *, one_line: bool) -> str | None:
    if name not in data:
        return None
    value = data[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append({"field": name, "message": _("Enter text.")})
        return None
    value = value.strip()
    if len(value) > max_length:
        errors.append(
            {"field": name, "message": _("Use at most %(n)d characters.") % {"n": max_length}}
        )
        return None
    allowed = "" if one_line else "\n\r\t"
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        errors.append({"field": name, "message": _("Remove the control characters.")})
        return None
    return value


def _clean(workspace: Workspace, actor: Membership, data: dict, current: UserList | None) -> dict:
    """The values to write, or Invalid listing every problem at once."""
    errors: list[dict] = []
    values: dict[str, Any] = {}
    name = _text(errors, data, "name", MAX_NAME, one_line=True)
    if name == "" or (current is None and "name" not in data):
        errors.append({"field": "name", "message": _("Give the list a name.")})
    elif name is not None:
        values["name"], values["name_key"] = name, name.casefold()
        taken = UserList.objects.filter(workspace=workspace, name_key=values["name_key"])
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors.append({"field": "name", "message": _("A list with this name already exists.")})
    description = _text(errors, data, "description", MAX_DESCRIPTION, one_line=False)
    if description is not None:
        values["description"] = description
    if "filter" in data or current is None:
        try:
            params = clean_filter(data.get("filter"))
        except Invalid as exc:
            errors.extend(exc.errors)
        else:
            read = read_filter(workspace=workspace, actor=actor, params=params)
            errors.extend(
                {
                    "field": f"filter.{e['field']}" if e.get("field") else "filter",
                    "message": e["message"],
                }
                for e in read.errors
            )
            values["filter"] = params
    if errors:
        fields = ", ".join(dict.fromkeys(str(e["field"]) for e in errors))
        raise Invalid(_("Check these fields: %(fields)s.") % {"fields": fields}, errors=errors)
    return values


def _save(user_list: UserList, **kwargs) -> None:
    # The name check above races with a concurrent save of the same name; the unique
    # constraint decides, and the loser gets the same 422 instead of a 500.
    try:
        with transaction.atomic():
            user_list.save(**kwargs)
    except IntegrityError as exc:
        raise Invalid(_("A list with this name already exists."), field="name") from exc


def user_list_create(*, workspace: Workspace, actor: Membership, data: dict) -> UserList:
    """A new list owned by nobody in particular but editable by its creator and admins."""
    values = _clean(workspace, actor, data, None)
    with transaction.atomic():
        user_list = UserList(workspace=workspace, created_by=actor.user, **values)
        _save(user_list)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="list.created",
            target=user_list,
            summary=user_list.name,
            changes={"filter": [None, user_list.filter]},
        )
    return user_list


def _require_manager(actor: Membership, user_list: UserList) -> None:
    if not may_manage_list(actor=actor, user_list=user_list):
        raise Forbidden(_("Only the list's creator or an admin can change it."))


def _locked(workspace: Workspace, list_id: int) -> UserList:
    user_list = UserList.objects.select_for_update().filter(workspace=workspace, pk=list_id).first()
    if user_list is None:
        raise NotFound(_("List not found."))
    return user_list


def user_list_update(
    *, workspace: Workspace, actor: Membership, list_id: int, data: dict
) -> UserList:
    """Change the keys present in `data` (name, description, filter)."""
    with transaction.atomic():
        user_list = _locked(workspace, list_id)
        _require_manager(actor, user_list)
        values = _clean(workspace, actor, data, user_list)
        changes = diff(user_list, {k: v for k, v in values.items() if k != "name_key"})
        if not changes:
            return user_list
        for name, value in values.items():
            setattr(user_list, name, value)
        _save(user_list, update_fields=[*values, "updated_at"])
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="list.updated",
            target=user_list,
            summary=user_list.name,
            changes=changes,
        )
    return user_list


def user_list_delete(*, workspace: Workspace, actor: Membership, list_id: int) -> None:
    with transaction.atomic():
        user_list = _locked(workspace, list_id)
        _require_manager(actor, user_list)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="list.deleted",
            target=user_list,
            summary=user_list.name,
            changes={"filter": [user_list.filter, None]},
        )
        user_list.delete()
