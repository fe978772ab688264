"""Category kinds, the module each belongs to, and the defaults a new workspace gets.

Defaults are written in the owner's language at creation; afterwards they are ordinary,
editable rows (the seeds: "ImCRM comes with a default set that can be freely edited").
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    module: str | None = None  # the module that must be on for this kind to exist


KINDS: dict[str, Kind] = {
    k.key: k
    for k in [
        Kind("company-types", _("Company types")),
        Kind("sources", _("Acquisition sources")),
        Kind("labels", _("Labels")),
        Kind("note-types", _("Note types")),
        Kind("task-categories", _("Task categories"), "projects"),
        Kind("deal-categories", _("Deal categories"), "sales"),
        Kind("deal-statuses", _("Deal statuses"), "sales"),
        Kind("deal-stages", _("Deal stages"), "sales"),
        Kind("win-reasons", _("Win reasons"), "sales"),
        Kind("loss-reasons", _("Loss reasons"), "sales"),
        Kind("ticket-statuses", _("Ticket statuses"), "tickets"),
    ]
}

# The four deal statuses the system relies on: renamable and recolourable, never deleted.
LOCKED_DEAL_STATUSES = ("in_progress", "won", "postponed", "lost")

# kind -> [(system_key or "", color, {lang: name})]
DEFAULTS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "company-types": [
        ("", "#2563eb", {"en": "Customer", "pl": "Klient", "nl": "Klant"}),
        ("", "#7c3aed", {"en": "Partner", "pl": "Partner", "nl": "Partner"}),
        ("", "#d97706", {"en": "Supplier", "pl": "Dostawca", "nl": "Leverancier"}),
        ("", "#dc2626", {"en": "Competitor", "pl": "Konkurent", "nl": "Concurrent"}),
        ("", "#64748b", {"en": "Other", "pl": "Inne", "nl": "Overig"}),
    ],
    "sources": [
        ("", "#2563eb", {"en": "Website", "pl": "Strona internetowa", "nl": "Website"}),
        ("", "#16a34a", {"en": "Referral", "pl": "Polecenie", "nl": "Doorverwijzing"}),
        ("", "#d97706", {"en": "Cold call", "pl": "Zimny telefon", "nl": "Koude acquisitie"}),
        (
            "",
            "#db2777",
            {"en": "Social media", "pl": "Media społecznościowe", "nl": "Sociale media"},
        ),
        ("", "#0891b2", {"en": "Event", "pl": "Wydarzenie", "nl": "Evenement"}),
        ("", "#64748b", {"en": "Other", "pl": "Inne", "nl": "Overig"}),
    ],
    "labels": [
        ("", "#ca8a04", {"en": "VIP", "pl": "VIP", "nl": "VIP"}),
        ("", "#d97706", {"en": "Gold client", "pl": "Złoty klient", "nl": "Gouden klant"}),
        ("", "#dc2626", {"en": "Important", "pl": "Ważny klient", "nl": "Belangrijk"}),
        ("", "#0891b2", {"en": "Newsletter", "pl": "Newsletter", "nl": "Nieuwsbrief"}),
    ],
    "note-types": [
        ("", "#64748b", {"en": "General", "pl": "Ogólna", "nl": "Algemeen"}),
        ("", "#2563eb", {"en": "Call", "pl": "Rozmowa", "nl": "Telefoongesprek"}),
        ("", "#16a34a", {"en": "Meeting", "pl": "Spotkanie", "nl": "Afspraak"}),
        ("", "#7c3aed", {"en": "Email", "pl": "E-mail", "nl": "E-mail"}),
    ],
    "task-categories": [
        ("", "#2563eb", {"en": "Development", "pl": "Programowanie", "nl": "Ontwikkeling"}),
        ("", "#db2777", {"en": "Design", "pl": "Projekt graficzny", "nl": "Ontwerp"}),
        ("", "#16a34a", {"en": "Meeting", "pl": "Spotkanie", "nl": "Afspraak"}),
        ("", "#d97706", {"en": "Support", "pl": "Wsparcie", "nl": "Ondersteuning"}),
        ("", "#64748b", {"en": "Administration", "pl": "Administracja", "nl": "Administratie"}),
    ],
    "deal-categories": [
        ("", "#2563eb", {"en": "New business", "pl": "Nowy klient", "nl": "Nieuwe klant"}),
        ("", "#16a34a", {"en": "Upsell", "pl": "Dosprzedaż", "nl": "Upsell"}),
        ("", "#7c3aed", {"en": "Renewal", "pl": "Odnowienie", "nl": "Verlenging"}),
    ],
    "deal-statuses": [
        ("in_progress", "#2563eb", {"en": "In progress", "pl": "W toku", "nl": "Lopend"}),
        ("won", "#16a34a", {"en": "Won", "pl": "Wygrane", "nl": "Gewonnen"}),
        ("postponed", "#d97706", {"en": "Postponed", "pl": "Odroczone", "nl": "Uitgesteld"}),
        ("lost", "#dc2626", {"en": "Lost", "pl": "Przegrane", "nl": "Verloren"}),
    ],
    "deal-stages": [
        ("", "#94a3b8", {"en": "Qualification", "pl": "Kwalifikacja", "nl": "Kwalificatie"}),
        ("", "#0891b2", {"en": "Needs analysis", "pl": "Analiza potrzeb", "nl": "Behoefteanalyse"}),
        ("", "#2563eb", {"en": "Proposal", "pl": "Oferta", "nl": "Offerte"}),
        ("", "#7c3aed", {"en": "Negotiation", "pl": "Negocjacje", "nl": "Onderhandeling"}),
        ("", "#16a34a", {"en": "Closing", "pl": "Finalizacja", "nl": "Afsluiting"}),
    ],
    "win-reasons": [
        ("", "#16a34a", {"en": "Price", "pl": "Cena", "nl": "Prijs"}),
        (
            "",
            "#2563eb",
            {"en": "Product fit", "pl": "Dopasowanie produktu", "nl": "Past bij de behoefte"},
        ),
        ("", "#7c3aed", {"en": "Relationship", "pl": "Relacja", "nl": "Relatie"}),
    ],
    "loss-reasons": [
        ("", "#dc2626", {"en": "Too expensive", "pl": "Za drogo", "nl": "Te duur"}),
        (
            "",
            "#d97706",
            {"en": "Chose a competitor", "pl": "Wybrał konkurencję", "nl": "Koos een concurrent"},
        ),
        ("", "#64748b", {"en": "No decision", "pl": "Brak decyzji", "nl": "Geen beslissing"}),
        ("", "#94a3b8", {"en": "Bad timing", "pl": "Zły moment", "nl": "Verkeerd moment"}),
    ],
    "ticket-statuses": [
        ("", "#2563eb", {"en": "Open", "pl": "Otwarte", "nl": "Open"}),
        (
            "",
            "#d97706",
            {"en": "Waiting for customer", "pl": "Oczekuje na klienta", "nl": "Wacht op klant"},
        ),
        ("", "#16a34a", {"en": "Resolved", "pl": "Rozwiązane", "nl": "Opgelost"}),
        ("", "#64748b", {"en": "Closed", "pl": "Zamknięte", "nl": "Gesloten"}),
    ],
}


# Records that point at categories register here (kind -> [(model label, field name)]),
# so deleting a category in use can count them and move them to another category.
# Later apps append at import time, e.g. REFERENCES["sources"].append(("customers.Contact",
# "source")); many-to-many fields (labels) are supported too.
REFERENCES: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
