"""The optional modules a workspace switches on and off (PRODUCT §9)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    key: str
    label: str | Promise
    description: str | Promise
    default: bool = True
    requires: str | None = None
    # The API's top-level paths (after /api/v1/) that belong to the module: with it off
    # they answer 404 before the request body is read, so nothing shows that they exist.
    api: tuple[str, ...] = ()


MODULES: dict[str, Module] = {
    m.key: m
    for m in [
        Module(
            "projects",
            _("Projects"),
            _("Projects, phases, tasks, time tracking."),
            api=("projects", "tasks", "common-tasks"),
        ),
        Module("tickets", _("Tickets"), _("Support tickets with a message thread.")),
        Module("cases", _("Cases & web forms"), _("Cases, public web forms and workflows.")),
        Module("sales", _("Sales"), _("Deals, pipeline and forecast.")),
        Module("orders", _("Orders"), _("Orders with lines, printing and email.")),
        Module("portal", _("Portal"), _("A portal where prospects and clients log in.")),
        Module(
            "paid-access",
            _("Paid portal access"),
            _("Charge contacts for portal access."),
            requires="portal",
        ),
        Module("events", _("Events"), _("Events with bookings and attendee lists.")),
        Module("vacancies", _("Vacancies"), _("Job openings linked to companies.")),
        Module(
            "lists", _("User lists"), _("Dynamic lists of contacts to download."), api=("lists",)
        ),
        Module(
            "note-summary",
            _("Note summary"),
            _("Counts notes per type on each record and shows the latest."),
            default=False,
        ),
    ]
}

# "tasks" -> "projects": which module owns each top-level API path.
API_OWNERS: dict[str, str] = {path: m.key for m in MODULES.values() for path in m.api}
