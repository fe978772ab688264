"""The custom fields settings page: sections, fields and options. Resolve, parse, call,
render (the partial for htmx, else the page that includes the same partial)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Invalid
from rapport.customfields import selectors, services
from rapport.customfields.forms import FieldEditForm, FieldForm, OptionForm, SectionForm
from rapport.customfields.models import CustomField, Entity

TABS = (
    (Entity.CONTACT, gettext_lazy("Contacts"), "settings_custom_fields"),
    (Entity.COMPANY, gettext_lazy("Companies"), "settings_custom_fields_company"),
)
MOVES = {"up": -1, "down": 1}


def _entity(value: str) -> str:
    if value not in Entity.values:
        raise Http404("No such record type.")
    return value


def _tab_url(entity: str) -> str:
    return next(name for key, _label, name in TABS if key == entity)


def _form_error(form, exc: DomainError) -> None:
    name = (exc.field or "").split(".")[0]
    form.add_error(name if name in form.fields else None, exc.message)


def _not_found_as_404(exc: DomainError) -> None:
    if exc.status == 404:
        raise Http404(exc.message) from exc


def _page(
    request,
    entity: str,
    *,
    field_form=None,
    section_form=None,
    section_errors=None,
    field_errors=None,
    confirm=None,
    notice="",
    status=200,
):
    sections = selectors.sections_with_fields(workspace=request.workspace, entity=entity)
    context = {
        "entity": entity,
        "tabs": [(key, label, name) for key, label, name in TABS],
        "tab_url": _tab_url(entity),
        "sections": sections,
        "field_count": sum(len(s.field_rows) for s in sections),
        "field_form": field_form or FieldForm(sections=sections),
        "section_form": section_form or SectionForm(),
        "section_errors": section_errors or {},
        "field_errors": field_errors or {},
        "confirm": confirm,
        "notice": notice,
    }
    template = "customfields/partials/editor.html" if request.htmx else "customfields/settings.html"
    return render(request, template, context, status=status)


def _done(request, entity: str, notice: str):
    """After a change: the fresh partial for htmx, else a message and the page again."""
    if request.htmx:
        return _page(request, entity, notice=notice)
    messages.success(request, notice)
    return redirect(_tab_url(entity), request.workspace.slug)


@require_GET
@workspace_view(admin=True)
def settings_custom_fields(request, entity: str = Entity.CONTACT):
    return _page(request, _entity(entity))


# --- sections -----------------------------------------------------------------------


@require_POST
@workspace_view(admin=True)
def section_add(request, entity: str):
    entity = _entity(entity)
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            section = services.section_create(
                workspace=request.workspace,
                actor=request.membership,
                entity=entity,
                name=form.cleaned_data["name"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return _done(request, entity, _("Section %(name)s added.") % {"name": section.name})
    return _page(request, entity, section_form=form, status=422)


@require_POST
@workspace_view(admin=True)
def section_action(request, section_id: int, action: str):
    ws, actor = request.workspace, request.membership
    try:
        section = selectors.section_get(workspace=ws, section_id=section_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    notice = ""
    try:
        if action == "rename":
            form = SectionForm(request.POST)
            if not form.is_valid():
                raise Invalid(" ".join(form.errors["name"]), field="name")
            services.section_update(
                workspace=ws, actor=actor, section_id=section.pk, name=form.cleaned_data["name"]
            )
            notice = _("Section renamed.")
        elif action in MOVES:
            services.section_move(
                workspace=ws, actor=actor, section_id=section.pk, offset=MOVES[action]
            )
            notice = _("Section moved.")
        elif action == "delete":
            services.section_delete(workspace=ws, actor=actor, section_id=section.pk)
            notice = _("Section %(name)s deleted.") % {"name": section.name}
        else:
            raise Http404("Unknown action.")
    except DomainError as exc:
        _not_found_as_404(exc)
        return _page(request, section.entity, section_errors={section.pk: exc.message}, status=422)
    return _done(request, section.entity, notice)


# --- fields -------------------------------------------------------------------------


@require_POST
@workspace_view(admin=True)
def field_add(request, entity: str):
    entity = _entity(entity)
    sections = list(selectors.section_list(workspace=request.workspace, entity=entity))
    form = FieldForm(request.POST, sections=sections)
    if form.is_valid():
        try:
            field = services.field_create(
                workspace=request.workspace,
                actor=request.membership,
                entity=entity,
                label=form.cleaned_data["label"],
                type=form.cleaned_data["type"],
                section_id=form.cleaned_data["section"],
                required=form.cleaned_data["required"],
                options=form.option_list(),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return _done(request, entity, _("Field %(label)s added.") % {"label": field.label})
    return _page(request, entity, field_form=form, status=422)


def _field_or_404(request, field_id: int) -> CustomField:
    try:
        return selectors.field_get(workspace=request.workspace, field_id=field_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc


@require_POST
@workspace_view(admin=True)
def field_action(request, field_id: int, action: str):
    ws, actor = request.workspace, request.membership
    field = _field_or_404(request, field_id)
    try:
        if action in MOVES:
            services.field_move(workspace=ws, actor=actor, field_id=field.pk, offset=MOVES[action])
            notice = _("Field moved.")
        elif action == "delete":
            cleared = services.field_delete(
                workspace=ws, actor=actor, field_id=field.pk, confirm=_confirmed(request)
            )
            notice = _("Field %(label)s deleted.") % {"label": field.label}
            if cleared:
                notice += " " + _cleared_notice(cleared)
        else:
            raise Http404("Unknown action.")
    except services.InUse as exc:
        confirm = {"id": field.pk, "message": exc.message}
        return _page(request, field.entity, confirm=confirm, status=422)
    except DomainError as exc:
        _not_found_as_404(exc)
        return _page(request, field.entity, field_errors={field.pk: exc.message}, status=422)
    return _done(request, field.entity, notice)


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "1"


def _cleared_notice(count: int) -> str:
    return ngettext(
        "%(count)d record's value was cleared.", "%(count)d records' values were cleared.", count
    ) % {"count": count}


def _field_page(
    request,
    field,
    *,
    form=None,
    option_form=None,
    option_errors=None,
    confirm=None,
    notice="",
    status=200,
    partial=False,
):
    sections = list(selectors.section_list(workspace=request.workspace, entity=field.entity))
    context = {
        "field": field,
        "entity": field.entity,
        "tab_url": _tab_url(field.entity),
        "form": form
        or FieldEditForm(
            sections=sections,
            initial={"label": field.label, "section": field.section_id, "required": field.required},
        ),
        "option_form": option_form or OptionForm(),
        "option_errors": option_errors or {},
        "confirm": confirm,
        "notice": notice,
    }
    template = "customfields/partials/options.html" if partial else "customfields/field.html"
    return render(request, template, context, status=status)


@workspace_view(admin=True)
def field_edit(request, field_id: int):
    field = _field_or_404(request, field_id)
    if request.method != "POST":
        return _field_page(request, field)
    sections = list(selectors.section_list(workspace=request.workspace, entity=field.entity))
    form = FieldEditForm(request.POST, sections=sections)
    if form.is_valid():
        try:
            services.field_update(
                workspace=request.workspace,
                actor=request.membership,
                field_id=field.pk,
                label=form.cleaned_data["label"],
                required=form.cleaned_data["required"],
                section_id=form.cleaned_data["section"],
            )
        except DomainError as exc:
            _not_found_as_404(exc)
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Field %(label)s saved.") % {"label": form.cleaned_data["label"]}
            )
            return redirect(_tab_url(field.entity), request.workspace.slug)
    return _field_page(request, field, form=form, status=422)


# --- options ------------------------------------------------------------------------


def _options_done(request, field_id: int, notice: str):
    if request.htmx:
        field = _field_or_404(request, field_id)
        return _field_page(request, field, notice=notice, partial=True)
    messages.success(request, notice)
    return redirect("settings_custom_fields_field", request.workspace.slug, field_id)


@require_POST
@workspace_view(admin=True)
def option_add(request, field_id: int):
    field = _field_or_404(request, field_id)
    form = OptionForm(request.POST)
    if form.is_valid():
        try:
            option = services.option_create(
                workspace=request.workspace,
                actor=request.membership,
                field_id=field.pk,
                label=form.cleaned_data["label"],
            )
        except DomainError as exc:
            _not_found_as_404(exc)
            _form_error(form, exc)
        else:
            return _options_done(
                request, field.pk, _("Option %(label)s added.") % {"label": option.label}
            )
    return _field_page(request, field, option_form=form, status=422, partial=request.htmx)


@require_POST
@workspace_view(admin=True)
def option_action(request, field_id: int, value: str, action: str):
    ws, actor = request.workspace, request.membership
    field = _field_or_404(request, field_id)
    option = next((o for o in field.options.all() if o.value == value), None)
    if option is None:
        raise Http404("No such option.")
    try:
        if action == "rename":
            form = OptionForm(request.POST)
            if not form.is_valid():
                raise Invalid(" ".join(form.errors["label"]), field="label")
            services.option_update(
                workspace=ws,
                actor=actor,
                field_id=field.pk,
                value=value,
                label=form.cleaned_data["label"],
            )
            notice = _("Option renamed.")
        elif action in MOVES:
            services.option_move(
                workspace=ws, actor=actor, field_id=field.pk, value=value, offset=MOVES[action]
            )
            notice = _("Option moved.")
        elif action == "delete":
            cleared = services.option_delete(
                workspace=ws,
                actor=actor,
                field_id=field.pk,
                value=value,
                confirm=_confirmed(request),
            )
            notice = _("Option %(label)s deleted.") % {"label": option.label}
            if cleared:
                notice += " " + _cleared_notice(cleared)
        else:
            raise Http404("Unknown action.")
    except services.InUse as exc:
        confirm = {"value": value, "message": exc.message}
        return _field_page(request, field, confirm=confirm, status=422, partial=request.htmx)
    except DomainError as exc:
        _not_found_as_404(exc)
        errors = {value: exc.message}
        return _field_page(request, field, option_errors=errors, status=422, partial=request.htmx)
    return _options_done(request, field.pk, notice)
