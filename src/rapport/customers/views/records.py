"""The record pages: a contact's and a company's page, their forms, notes and timeline.

Resolve the membership, parse a form, call one service or selector, render. Who may do
what is the services' decision; the pages only hide the buttons they would refuse. A
record the actor may not see is a 404 on every route, as in the API.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core import selectors as core_selectors
from rapport.core.access import workspace_view
from rapport.core.errors import Conflict, DomainError, Invalid, NotFound, PreconditionFailed
from rapport.core.pagination import keyset_page
from rapport.customers import selectors, services
from rapport.customers.forms import (
    CompanyDeleteForm,
    CompanyForm,
    ContactForm,
    NoteForm,
    SharingForm,
)
from rapport.customers.models import Company, Contact, CustomerRole, Visibility
from rapport.customers.services.notes import may_edit_note
from rapport.customfields.forms import apply_custom_errors
from rapport.customfields.models import CHOICE_TYPES
from rapport.customfields.validation import FieldDef, definitions

NOTES_PER_PAGE = 20
TIMELINE_PER_PAGE = 20
COMPANY_CHOICES = 500  # a plain select; a search picker can replace it for huge workspaces
PEOPLE_ON_COMPANY = 50
TIMELINE_EVENT = "rapport:timeline"  # HX-Trigger after a note changes: the timeline reloads


@contextmanager
def _found():
    """A service's or selector's NotFound is the page's 404."""
    try:
        yield
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _contact(request, contact_id: int) -> Contact:
    with _found():
        return selectors.contact_get(
            workspace=request.workspace, actor=request.membership, contact_id=contact_id
        )


def _company(request, company_id: int) -> Company:
    with _found():
        return selectors.company_get(
            workspace=request.workspace, actor=request.membership, company_id=company_id
        )


def _invalid(form, exc: DomainError) -> None:
    """Every error of a refusal beside the field it names (custom ones included)."""
    apply_custom_errors(form, exc if isinstance(exc, Invalid) else Invalid(exc.message))


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else fallback


# --- company panels: later modules fill these -----------------------------------------


@dataclass(frozen=True)
class Panel:
    """One box on a company's page that a module contributes (its projects, deals...)."""

    key: str
    title: str | Promise
    url: str
    link_label: str | Promise
    empty: str | Promise = ""
    template: str = "customers/records/partials/panel.html"
    context: dict = field(default_factory=dict)


PanelFn = Callable[[HttpRequest, Company], Panel | None]

# Each callable gets (request, company) and returns a Panel, or None to show nothing.
# A module's app registers its own with `company_panel(key)`, replacing the placeholder.
COMPANY_PANELS: list[PanelFn] = []


def company_panel(key: str):
    """Register `fn` as the company page's `key` panel, in place of any earlier one."""

    def register(fn: PanelFn) -> PanelFn:
        fn.panel_key = key
        for i, existing in enumerate(COMPANY_PANELS):
            if getattr(existing, "panel_key", None) == key:
                COMPANY_PANELS[i] = fn
                break
        else:
            COMPANY_PANELS.append(fn)
        return fn

    return register


def _placeholder(key: str, module: str, title, empty) -> PanelFn:
    def panel(request, company):
        if not request.workspace.module_enabled(module):
            return None
        url = reverse(f"module_{module.replace('-', '_')}", args=[request.workspace.slug])
        return Panel(key=key, title=title, url=url, link_label=_("Open"), empty=empty)

    return panel


for _key, _module, _title, _empty in (
    ("projects", "projects", gettext_lazy("Projects"), gettext_lazy("No projects yet")),
    ("deals", "sales", gettext_lazy("Deals"), gettext_lazy("No deals yet")),
    ("orders", "orders", gettext_lazy("Orders"), gettext_lazy("No orders yet")),
    ("tickets", "tickets", gettext_lazy("Tickets"), gettext_lazy("No tickets yet")),
    ("cases", "cases", gettext_lazy("Cases"), gettext_lazy("No cases yet")),
    ("vacancies", "vacancies", gettext_lazy("Vacancies"), gettext_lazy("No vacancies yet")),
):
    company_panel(_key)(_placeholder(_key, _module, _title, _empty))


# --- timeline -------------------------------------------------------------------------

VERBS = {
    "contact.created": gettext_lazy("created this contact"),
    "contact.updated": gettext_lazy("edited this contact"),
    "contact.owner_changed": gettext_lazy("changed the owner"),
    "contact.shared": gettext_lazy("changed who sees this contact"),
    "contact.claimed": gettext_lazy("claimed this contact"),
    "company.created": gettext_lazy("created this company"),
    "company.updated": gettext_lazy("edited this company"),
    "contact.imported": gettext_lazy("imported this contact"),
    "contact.import_updated": gettext_lazy("updated this contact from an import"),
    "company.imported": gettext_lazy("imported this company"),
    "company.import_updated": gettext_lazy("updated this company from an import"),
    "note.added": gettext_lazy("added a note"),
    "note.updated": gettext_lazy("edited a note"),
    "note.deleted": gettext_lazy("deleted a note"),
    "contact.merged": gettext_lazy("merged duplicates into this contact"),
    "company.merged": gettext_lazy("merged duplicates into this company"),
}
FIELDS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "other_emails": gettext_lazy("Other emails"),
    "other_phones": gettext_lazy("Other phones"),
    "company": gettext_lazy("Company"),
    "job_title": gettext_lazy("Job title"),
    "role": gettext_lazy("Role"),
    "source": gettext_lazy("Source"),
    "labels": gettext_lazy("Labels"),
    "owner": gettext_lazy("Owner"),
    "visibility": gettext_lazy("Sharing"),
    "teams": gettext_lazy("Teams"),
    "is_active": gettext_lazy("Active"),
    "is_test": gettext_lazy("Test contact"),
    "name": gettext_lazy("Name"),
    "domain": gettext_lazy("Domain"),
    "website": gettext_lazy("Website"),
    "street": gettext_lazy("Street"),
    "city": gettext_lazy("City"),
    "postal_code": gettext_lazy("Postal code"),
    "region": gettext_lazy("Region"),
    "country": gettext_lazy("Country"),
    "type": gettext_lazy("Company type"),
    "primary_contact": gettext_lazy("Primary contact"),
    "body": gettext_lazy("Text"),
    "note_type": gettext_lazy("Note type"),
    "merged": gettext_lazy("Merged"),
}
CHOICE_LABELS = {
    "role": dict(CustomerRole.choices),
    "visibility": {
        Visibility.PRIVATE: gettext_lazy("Private"),
        Visibility.TEAMS: gettext_lazy("Teams"),
    },
}
# Ids and counts, not something to read ("merged" says in words what "merged_ids" holds).
HIDDEN_CHANGES = {"note", "contacts", "merged_ids", "picked"}
# The primary contact may be a contact the reader may not see: say that it changed only.
UNNAMED_CHANGES = {"primary_contact"}


def _shown(value, labels: dict | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_shown(v, labels) for v in value)
    if labels and value in labels:
        return str(labels[value])
    return str(value)


def _changes(activity, defs: dict[str, FieldDef]) -> list[tuple[str, str | None, str | None]]:
    """(what, old, new) in words for one activity; custom values per field. Old and new
    are None when only the fact of the change may be shown."""
    rows = []
    for name, pair in (activity.changes or {}).items():
        if name in HIDDEN_CHANGES or not isinstance(pair, list) or len(pair) != 2:
            continue
        old, new = pair
        if name == "custom" and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            old, new = old or {}, new or {}
            position = {key: i for i, key in enumerate(defs)}
            for key in sorted(set(old) | set(new), key=lambda k: (position.get(k, len(defs)), k)):
                if old.get(key) == new.get(key):
                    continue
                d = defs.get(key)
                labels = dict(d.options) if d and d.type in CHOICE_TYPES else None
                rows.append(
                    (
                        d.label if d else key,
                        _shown(old.get(key), labels),
                        _shown(new.get(key), labels),
                    )
                )
            continue
        if name in UNNAMED_CHANGES:
            rows.append((str(FIELDS.get(name, name)), None, None))
            continue
        labels = CHOICE_LABELS.get(name)
        rows.append((str(FIELDS.get(name, name)), _shown(old, labels), _shown(new, labels)))
    return rows


PROJECT_VERB_PREFIXES = {"project", "phase", "task"}


def _timeline(
    request, target_type: str, target_id: int, cursor: str | None = None, defs=None
) -> dict:
    qs = selectors.timeline(
        workspace=request.workspace, target_type=target_type, target_id=target_id
    )
    try:
        page = keyset_page(qs, order=("-at", "-id"), limit=TIMELINE_PER_PAGE, cursor=cursor)
    except Invalid as exc:
        raise Http404(exc.message) from exc
    if defs is None:
        defs = definitions(workspace=request.workspace, entity=target_type)
    defs = {d.key: d for d in defs}
    for activity in page.items:
        activity.verb_text = VERBS.get(activity.verb, activity.verb)
        activity.change_rows = _changes(activity, defs)
        activity.is_note = activity.verb.startswith("note.")
        # Work done in a project for this company: its summary names the project and task.
        activity.from_project = activity.verb.split(".", 1)[0] in PROJECT_VERB_PREFIXES
    url_name = "contact_timeline" if target_type == "contact" else "company_timeline"
    return {
        "timeline": page,
        "timeline_url": reverse(url_name, args=[request.workspace.slug, target_id]),
        "timeline_event": TIMELINE_EVENT,
    }


def _timeline_view(request, target_type: str, record):
    context = {
        "record": record,
        "record_type": target_type,
        **_timeline(request, target_type, record.pk, request.GET.get("cursor")),
    }
    if request.htmx:
        partial = "timeline_items" if request.GET.get("cursor") else "timeline"
        return render(request, f"customers/records/partials/{partial}.html", context)
    return render(request, "customers/records/timeline.html", context)


@require_http_methods(["GET"])
@workspace_view()
def contact_timeline(request, contact_id: int):
    return _timeline_view(request, "contact", _contact(request, contact_id))


@require_http_methods(["GET"])
@workspace_view()
def company_timeline(request, company_id: int):
    return _timeline_view(request, "company", _company(request, company_id))


# --- notes ----------------------------------------------------------------------------


def _note_types(request) -> list:
    return list(selectors.category_choices(workspace=request.workspace, kind="note-types"))


def _notes(request, subject: dict, *, form=None, cursor=None, error="") -> dict:
    """The notes box of a record: the summary (module on), the add form, newest notes."""
    ws, actor = request.workspace, request.membership
    note_types = _note_types(request)
    qs = selectors.note_list(workspace=ws, actor=actor, **subject)
    try:
        page = keyset_page(qs, order=("-created_at", "-id"), limit=NOTES_PER_PAGE, cursor=cursor)
    except Invalid as exc:
        raise Http404(exc.message) from exc
    for note in page.items:
        note.may_edit = may_edit_note(actor, note)
    summary = None
    if ws.module_enabled("note-summary"):
        summary = selectors.note_summary(workspace=ws, actor=actor, **subject)
    ((kind, subject_id),) = subject.items()
    return {
        "notes": page,
        "note_types": note_types,
        "note_form": form or NoteForm(note_types=note_types, auto_id=NoteForm.NEW_ID),
        "note_summary": summary,
        "note_subject": kind,
        "note_subject_id": subject_id,
        "notes_error": error,
        "notes_url": reverse("note_list", args=[ws.slug]),
    }


def _subject(request, data) -> dict:
    """{"contact_id": id} or {"company_id": id} from the request, checked visible (else 404)."""
    for key, get in (("contact_id", _contact), ("company_id", _company)):
        raw = data.get(key, "")
        if raw:
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) > 0):
                raise Http404("No such record.")
            return {key: get(request, int(raw)).pk}
    raise Http404("No such record.")


def _record_url(request, subject: dict) -> str:
    ((key, pk),) = subject.items()
    name = "contact_detail" if key == "contact_id" else "company_detail"
    return reverse(name, args=[request.workspace.slug, pk]) + "#notes"


def _swap(response, target: str):
    """Tell htmx where the fragment goes, whichever element sent the request."""
    response["HX-Retarget"] = target
    response["HX-Reswap"] = "outerHTML"
    return response


def _notes_done(request, subject: dict, notice: str):
    """After a note changed: the fresh notes box for htmx (and a nudge to the timeline)."""
    if request.htmx:
        response = render(
            request, "customers/records/partials/notes.html", _notes(request, subject)
        )
        response["HX-Trigger"] = TIMELINE_EVENT
        return _swap(response, "#notes")
    messages.success(request, notice)
    return redirect(_record_url(request, subject))


def _notes_refused(request, subject: dict, exc: DomainError, *, form=None):
    if request.htmx:
        # 422 so htmx swaps the box in with the message (see base.html's responseHandling).
        context = _notes(request, subject, form=form, error="" if form else exc.message)
        response = render(request, "customers/records/partials/notes.html", context, status=422)
        return _swap(response, "#notes")
    if form is not None:
        return _record_page(request, subject, note_form=form, status=422)
    messages.error(request, exc.message)
    return redirect(_record_url(request, subject))


def _record_page(request, subject: dict, **kwargs):
    if "contact_id" in subject:
        return _contact_page(request, _contact(request, subject["contact_id"]), **kwargs)
    return _company_page(request, _company(request, subject["company_id"]), **kwargs)


@require_http_methods(["GET"])
@workspace_view()
def note_list(request):
    """Older notes of one record (the "Show older notes" link)."""
    subject = _subject(request, request.GET)
    context = _notes(request, subject, cursor=request.GET.get("cursor"))
    if request.htmx:
        return render(request, "customers/records/partials/note_items.html", context)
    return _record_page(request, subject, note_cursor=request.GET.get("cursor"))


@require_POST
@workspace_view()
def note_create(request):
    subject = _subject(request, request.POST)
    form = NoteForm(request.POST, note_types=_note_types(request), auto_id=NoteForm.NEW_ID)
    form.is_valid()
    try:
        services.note_create(
            workspace=request.workspace,
            actor=request.membership,
            data={**subject, **form.to_data()},
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        _invalid(form, exc)
        return _notes_refused(request, subject, exc, form=form)
    return _notes_done(request, subject, _("Note added."))


def _note(request, note_id: int):
    with _found():
        note = selectors.note_get(
            workspace=request.workspace, actor=request.membership, note_id=note_id
        )
    subject = (
        {"contact_id": note.contact_id} if note.contact_id else {"company_id": note.company_id}
    )
    return note, subject


@require_http_methods(["GET", "POST"])
@workspace_view()
def note_edit(request, note_id: int):
    """GET: the note as a form (in place, with htmx). POST: change its text and/or type;
    the inline type picker posts the type alone."""
    note, subject = _note(request, note_id)
    note_types = _note_types(request)
    if request.method == "POST":
        form = NoteForm(request.POST, note_types=note_types, auto_id=f"note-{note.pk}-%s")
        form.is_valid()
        present = [k for k in ("note_type_id", "body") if k in request.POST]
        try:
            services.note_update(
                workspace=request.workspace,
                actor=request.membership,
                note_id=note.pk,
                data=form.to_data(present),
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Invalid as exc:
            _invalid(form, exc)
            status = 422
        except DomainError as exc:
            return _notes_refused(request, subject, exc)
        else:
            return _notes_done(request, subject, _("Note saved."))
    else:
        form = NoteForm(
            initial={"body": note.body, "note_type_id": str(note.note_type_id or "")},
            note_types=note_types,
            auto_id=f"note-{note.pk}-%s",
        )
        status = 200
    context = {"note": note, "form": form, "may_edit": may_edit_note(request.membership, note)}
    context["cancel_url"] = _record_url(request, subject)
    if request.htmx:
        response = render(
            request, "customers/records/partials/note_edit.html", context, status=status
        )
        return _swap(response, f"#note-{note.pk}")
    return render(request, "customers/records/note_edit.html", context, status=status)


@require_POST
@workspace_view()
def note_delete(request, note_id: int):
    note, subject = _note(request, note_id)
    try:
        services.note_delete(workspace=request.workspace, actor=request.membership, note_id=note.pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return _notes_refused(request, subject, exc)
    return _notes_done(request, subject, _("Note deleted."))


# --- contacts -------------------------------------------------------------------------


def _contact_page(request, contact: Contact, *, note_form=None, note_cursor=None, status=200):
    ws, actor = request.workspace, request.membership
    defs = definitions(workspace=ws, entity="contact")
    context = {
        "contact": contact,
        "may_manage": services.may_manage(actor, contact),
        "teams": [share.team for share in contact.shares.all()],
        "defs": defs,
        **_notes(request, {"contact_id": contact.pk}, form=note_form, cursor=note_cursor),
        **_timeline(request, "contact", contact.pk, defs=defs),
    }
    return render(request, "customers/records/contact_detail.html", context, status=status)


@require_http_methods(["GET"])
@workspace_view()
def contact_detail(request, contact_id: int):
    return _contact_page(request, _contact(request, contact_id))


def _contact_form(request, data=None, *, contact=None, initial=None) -> ContactForm:
    ws, actor = request.workspace, request.membership
    companies = list(
        selectors.company_visible(workspace=ws, actor=actor).order_by("name", "id")[
            :COMPANY_CHOICES
        ]
    )
    wanted = (initial or {}).get("company_id")
    if wanted and int(wanted) not in {c.pk for c in companies}:
        try:
            companies.append(
                selectors.company_get(workspace=ws, actor=actor, company_id=int(wanted))
            )
        except NotFound:
            initial.pop("company_id")
    kwargs = {"initial": initial} if initial else {}
    return ContactForm(
        data,
        companies=companies,
        sources=selectors.category_choices(workspace=ws, kind="sources"),
        labels=selectors.category_choices(workspace=ws, kind="labels"),
        teams=core_selectors.team_list(workspace=ws).order_by("name", "id")
        if contact is None
        else (),
        defs=definitions(workspace=ws, entity="contact"),
        contact=contact,
        **kwargs,
    )


def _form_page(request, template: str, context: dict, status: int = 200):
    return render(request, f"customers/records/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view()
def contact_new(request):
    ws, actor = request.workspace, request.membership
    initial = {}
    raw = request.GET.get("company", "")
    if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18:
        initial["company_id"] = raw
    if request.method == "POST":
        form = _contact_form(request, request.POST)
        if form.is_valid():
            try:
                contact = services.contact_create(workspace=ws, actor=actor, data=form.to_data())
            except DomainError as exc:
                _invalid(form, exc)
            else:
                messages.success(request, _("%(name)s added.") % {"name": contact})
                return redirect("contact_detail", ws.slug, contact.pk)
        return _form_page(request, "contact_form.html", {"form": form}, status=422)
    form = _contact_form(request, initial=initial)
    return _form_page(request, "contact_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@workspace_view()
def contact_edit(request, contact_id: int):
    ws, actor = request.workspace, request.membership
    contact = _contact(request, contact_id)
    status = 200
    if request.method == "POST":
        form = _contact_form(request, request.POST, contact=contact)
        if form.is_valid():
            try:
                services.contact_update(
                    workspace=ws,
                    actor=actor,
                    contact_id=contact.pk,
                    data=form.to_data(),
                    if_version=form.cleaned_data.get("version"),
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except PreconditionFailed:
                # Start again from what is saved now, rather than overwrite someone's edit.
                contact = _contact(request, contact_id)
                context = {
                    "form": _contact_form(request, contact=contact),
                    "contact": contact,
                    "stale": _stale_message("contact"),
                }
                return _form_page(request, "contact_form.html", context, 409)
            except DomainError as exc:
                _invalid(form, exc)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": contact})
                return redirect("contact_detail", ws.slug, contact.pk)
        status = 422
    else:
        form = _contact_form(request, contact=contact)
    return _form_page(request, "contact_form.html", {"form": form, "contact": contact}, status)


def _stale_message(kind: str) -> str:
    if kind == "company":
        return _(
            "Someone changed this company since you opened it. The form now shows the saved "
            "values: make your changes again."
        )
    return _(
        "Someone changed this contact since you opened it. The form now shows the saved "
        "values: make your changes again."
    )


@require_http_methods(["GET", "POST"])
@workspace_view()
def contact_sharing(request, contact_id: int):
    ws, actor = request.workspace, request.membership
    contact = _contact(request, contact_id)
    members = list(
        core_selectors.membership_list(workspace=ws).order_by("user__name", "user__email")
    )
    teams = list(core_selectors.team_list(workspace=ws).order_by("name", "id"))
    data = request.POST if request.method == "POST" else None
    form = SharingForm(data, members=members, teams=teams, contact=contact)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.contact_update(
                    workspace=ws, actor=actor, contact_id=contact.pk, data=form.to_data()
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except DomainError as exc:
                _invalid(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Sharing of %(name)s saved.") % {"name": contact})
                still_visible = selectors.contact_visible(workspace=ws, actor=actor).filter(
                    pk=contact.pk
                )
                if still_visible.exists():
                    return redirect("contact_detail", ws.slug, contact.pk)
                return redirect("contact_list", ws.slug)
    context = {
        "form": form,
        "contact": contact,
        "may_manage": services.may_manage(actor, contact),
    }
    return _form_page(request, "contact_sharing.html", context, status)


@require_POST
@workspace_view()
def contact_claim(request, contact_id: int):
    """Claim from the queue or the contact's page. The loser of a race goes back to the
    queue: the contact is now someone else's and, unless shared, no longer visible."""
    ws = request.workspace
    try:
        contact = services.contact_claim(
            workspace=ws, actor=request.membership, contact_id=contact_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(_safe_next(request, reverse("contact_unclaimed", args=[ws.slug])))
    messages.success(request, _("You now own %(name)s.") % {"name": contact})
    return redirect(_safe_next(request, reverse("contact_detail", args=[ws.slug, contact.pk])))


@require_http_methods(["GET", "POST"])
@workspace_view()
def contact_delete(request, contact_id: int):
    ws, actor = request.workspace, request.membership
    contact = _contact(request, contact_id)
    if request.method == "POST":
        try:
            services.contact_delete(workspace=ws, actor=actor, contact_id=contact.pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("contact_detail", ws.slug, contact.pk)
        messages.success(request, _("%(name)s deleted.") % {"name": contact})
        return redirect("contact_list", ws.slug)
    context = {"contact": contact, "may_manage": services.may_manage(actor, contact)}
    return _form_page(request, "contact_delete.html", context)


# --- companies ------------------------------------------------------------------------


def _company_page(request, company: Company, *, note_form=None, note_cursor=None, status=200):
    ws, actor = request.workspace, request.membership
    people = list(
        selectors.company_contacts(workspace=ws, actor=actor, company_id=company.pk)
        .select_related("owner")
        .order_by("last_name", "first_name", "id")[: PEOPLE_ON_COMPANY + 1]
    )
    panels = [p for p in (fn(request, company) for fn in COMPANY_PANELS) if p is not None]
    defs = definitions(workspace=ws, entity="company")
    context = {
        "company": company,
        "may_manage": services.may_manage_company(actor, company),
        "primary": selectors.primary_contact_visible(company=company, actor=actor),
        "people": people[:PEOPLE_ON_COMPANY],
        "more_people": len(people) > PEOPLE_ON_COMPANY,
        "panels": panels,
        "defs": defs,
        **_notes(request, {"company_id": company.pk}, form=note_form, cursor=note_cursor),
        **_timeline(request, "company", company.pk, defs=defs),
    }
    return render(request, "customers/records/company_detail.html", context, status=status)


@require_http_methods(["GET"])
@workspace_view()
def company_detail(request, company_id: int):
    return _company_page(request, _company(request, company_id))


def _company_form(request, data=None, *, company=None, initial=None) -> CompanyForm:
    ws, actor = request.workspace, request.membership
    contacts = None
    if company is not None and (
        company.primary_contact_id is None
        or selectors.primary_contact_visible(company=company, actor=actor) is not None
    ):
        contacts = selectors.company_contacts(
            workspace=ws, actor=actor, company_id=company.pk
        ).order_by("last_name", "first_name", "id")[:COMPANY_CHOICES]
    kwargs = {"initial": initial} if initial else {}
    return CompanyForm(
        data,
        types=selectors.category_choices(workspace=ws, kind="company-types"),
        labels=selectors.category_choices(workspace=ws, kind="labels"),
        members=core_selectors.membership_list(workspace=ws).order_by("user__name", "user__email"),
        contacts=contacts,
        defs=definitions(workspace=ws, entity="company"),
        company=company,
        **kwargs,
    )


@require_http_methods(["GET", "POST"])
@workspace_view()
def company_new(request):
    ws, actor = request.workspace, request.membership
    if request.method == "POST":
        form = _company_form(request, request.POST)
        if form.is_valid():
            try:
                company = services.company_create(workspace=ws, actor=actor, data=form.to_data())
            except DomainError as exc:
                _invalid(form, exc)
            else:
                messages.success(request, _("%(name)s added.") % {"name": company})
                return redirect("company_detail", ws.slug, company.pk)
        return _form_page(request, "company_form.html", {"form": form}, status=422)
    form = _company_form(request, initial={"owner_id": str(actor.user_id)})
    return _form_page(request, "company_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@workspace_view()
def company_edit(request, company_id: int):
    ws, actor = request.workspace, request.membership
    company = _company(request, company_id)
    status = 200
    if request.method == "POST":
        form = _company_form(request, request.POST, company=company)
        if form.is_valid():
            try:
                services.company_update(
                    workspace=ws,
                    actor=actor,
                    company_id=company.pk,
                    data=form.to_data(),
                    if_version=form.cleaned_data.get("version"),
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except PreconditionFailed:
                company = _company(request, company_id)
                context = {
                    "form": _company_form(request, company=company),
                    "company": company,
                    "stale": _stale_message("company"),
                }
                return _form_page(request, "company_form.html", context, 409)
            except DomainError as exc:
                _invalid(form, exc)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": company})
                return redirect("company_detail", ws.slug, company.pk)
        status = 422
    else:
        form = _company_form(request, company=company)
    return _form_page(request, "company_form.html", {"form": form, "company": company}, status)


@require_http_methods(["GET", "POST"])
@workspace_view()
def company_delete(request, company_id: int):
    """Deleting a company with people asks what happens to them: kept, or deleted too."""
    ws, actor = request.workspace, request.membership
    company = _company(request, company_id)
    form = CompanyDeleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            deleted = services.company_delete(
                workspace=ws,
                actor=actor,
                company_id=company.pk,
                on_contacts=form.cleaned_data["on_contacts"] or None,
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except (Conflict, Invalid) as exc:
            form.add_error(None, exc.message)
            status = 409 if isinstance(exc, Conflict) else 422
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("company_detail", ws.slug, company.pk)
        else:
            notice = _("%(name)s deleted.") % {"name": company}
            if deleted:
                notice += " " + ngettext(
                    "%(n)d contact deleted with it.", "%(n)d contacts deleted with it.", deleted
                ) % {"n": deleted}
            messages.success(request, notice)
            return redirect("company_list", ws.slug)
    context = {
        "company": company,
        "form": form,
        "may_manage": services.may_manage_company(actor, company),
        # Every linked contact, seen or not: the service acts on all of them.
        "linked": Contact.objects.filter(workspace=ws, company=company).count(),
    }
    return _form_page(request, "company_delete.html", context, status)


urlpatterns = [
    path("contacts/new/", contact_new, name="contact_new"),
    path("contacts/<id:contact_id>/", contact_detail, name="contact_detail"),
    path("contacts/<id:contact_id>/edit/", contact_edit, name="contact_edit"),
    path("contacts/<id:contact_id>/sharing/", contact_sharing, name="contact_sharing"),
    path("contacts/<id:contact_id>/claim/", contact_claim, name="contact_claim"),
    path("contacts/<id:contact_id>/delete/", contact_delete, name="contact_delete"),
    path("contacts/<id:contact_id>/timeline/", contact_timeline, name="contact_timeline"),
    path("companies/new/", company_new, name="company_new"),
    path("companies/<id:company_id>/", company_detail, name="company_detail"),
    path("companies/<id:company_id>/edit/", company_edit, name="company_edit"),
    path("companies/<id:company_id>/delete/", company_delete, name="company_delete"),
    path("companies/<id:company_id>/timeline/", company_timeline, name="company_timeline"),
    path("notes/", note_list, name="note_list"),
    path("notes/new/", note_create, name="note_create"),
    path("notes/<id:note_id>/edit/", note_edit, name="note_edit"),
    path("notes/<id:note_id>/delete/", note_delete, name="note_delete"),
]
