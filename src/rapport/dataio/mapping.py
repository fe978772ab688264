"""Automatic column mapping for imports: which column of a file feeds which field.

`guess` maps headers by synonyms in English, Polish and Dutch (case-, accent- and
punctuation-insensitive) so that the real exports of Google Contacts (current and older
layouts), Outlook, HubSpot and a plain `name,email,phone,company` file need no manual step.
`to_record` turns one row into the raw record the importer validates.

Matching happens in tiers, each only for columns the tier before left alone:
strong synonyms, then custom fields (by key or label; a plain "Email" or "Phone" stays
built in), then the email/phone word rules, then weak synonyms (words like "Title" that
mean a job title only when nothing better claims it: Outlook's "Title" is "Mr."/"Ms.",
and Outlook also has "Job Title").

No Django model is imported here: `reading` uses `known_header` before Django is set up.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from rapport.customfields.validation import FieldDef

ENTITIES = ("contact", "company")
CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    multiple: bool = False


CONTACT_TARGETS = (
    Target("first_name", _("First name")),
    Target("last_name", _("Last name")),
    Target("full_name", _("Full name (split into first and last name)")),
    Target("email", _("Email")),
    Target("other_emails", _("Other emails"), multiple=True),
    Target("phone", _("Phone")),
    Target("other_phones", _("Other phones"), multiple=True),
    Target("company", _("Company")),
    Target("job_title", _("Job title")),
    Target("role", _("Role")),
    Target("source", _("Source")),
    Target("labels", _("Labels"), multiple=True),
    Target("is_active", _("Active")),
)

COMPANY_TARGETS = (
    Target("name", _("Name")),
    Target("domain", _("Domain")),
    Target("website", _("Website")),
    Target("phone", _("Phone")),
    Target("street", _("Street")),
    Target("city", _("City")),
    Target("postal_code", _("Postal code")),
    Target("region", _("Region")),
    Target("country", _("Country")),
    Target("type", _("Type")),
    Target("role", _("Role")),
    Target("labels", _("Labels"), multiple=True),
)

_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"}
)  # fmt: skip


def normalise(text: str) -> str:
    """ "E-mail 1 - Value" → "email 1 value", "Imię" → "imie", "firstName" → "first name"."""
    text = text.translate(_SPECIAL_LETTERS)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    # "e mail", "e mailadres" → "email", "emailadres": the hyphen is spelled every way.
    return re.sub(r"\be mail", "email", text)


def _table(groups: dict[str, str]) -> dict[str, str]:
    """{"key": "syn | syn | …"} → {normalised synonym: key}."""
    table: dict[str, str] = {}
    for key, synonyms in groups.items():
        for synonym in synonyms.split("|"):
            table[normalise(synonym)] = key
    return table


_ROLE_WORDS = "role | lifecycle stage | lifecycle | customer role | rola | etap | rol | fase"
_LABEL_WORDS = (
    "labels | label | tags | tag | categories | group membership | groups | etykiety |"
    " etykieta | tagi | kategorie | grupy | etiketten | etiket | categorieën | groepen"
)

STRONG = {
    "contact": _table(
        {
            "first_name": "first name | firstname | first | given name | forename | imię |"
            " imie | voornaam | roepnaam | vorname | prénom",
            "last_name": "last name | lastname | last | surname | family name | nazwisko |"
            " achternaam | familienaam | nachname",
            "full_name": "name | full name | fullname | contact name | display name |"
            " imię i nazwisko | imie nazwisko | osoba kontaktowa | naam | volledige naam |"
            " contactpersoon",
            "company": "company | company name | organization | organisation |"
            " organization name | organization 1 - name | employer | account name | firma |"
            " nazwa firmy | pracodawca | bedrijf | bedrijfsnaam | organisatie | werkgever",
            "job_title": "job title | jobtitle | position | organization title |"
            " organization 1 - title | stanowisko | functie | functietitel",
            "role": _ROLE_WORDS,
            "source": "source | lead source | original source | contact source | źródło |"
            " zrodlo pozyskania | bron | herkomst | leadbron",
            "labels": _LABEL_WORDS,
            "is_active": "active | is active | aktywny | actief",
        }
    ),
    "company": _table(
        {
            "name": "name | company | company name | organization | organisation |"
            " organization name | account name | business name | nazwa | nazwa firmy |"
            " firma | bedrijf | bedrijfsnaam | naam | organisatie | handelsnaam",
            "domain": "domain | domain name | company domain name | website domain | domena |"
            " domein | domeinnaam",
            "website": "website | website url | web site | web page | webpage | url | www |"
            " homepage | home page | strona | strona www | strona internetowa | witryna |"
            " webadres | webpagina | website adres",
            "street": "street | street address | address | address line 1 | address 1 |"
            " street 1 | business street | billing street | adres | ulica | ulica i numer |"
            " straat | straatnaam | adresregel 1",
            "city": "city | town | business city | billing city | miasto | miejscowość |"
            " plaats | woonplaats | stad | vestigingsplaats",
            "postal_code": "postal code | post code | postcode | zip | zip code | zipcode |"
            " business postal code | billing postal code | kod pocztowy",
            "region": "region | state | state/region | state or province | province | county |"
            " business state | billing state | województwo | provincie | regio",
            "country": "country | country/region | business country | business country/region"
            " | billing country | kraj | państwo | land",
            "type": "type | company type | account type | typ | typ firmy | rodzaj | soort |"
            " bedrijfstype",
            "role": _ROLE_WORDS,
            "labels": _LABEL_WORDS,
        }
    ),
}

# Words that mean the field only when no strong synonym or custom field claims it.
WEAK = {
    "contact": _table(
        {
            "job_title": "title | tytuł | profession | occupation | beroep | zawód",
            "company": "associated company | organization 2 - name",
            "labels": "category | kategoria | categorie | groep | grupa | group",
            "role": "stage | status klienta | klantstatus",
        }
    ),
    "company": _table(
        {
            "labels": "category | kategoria | categorie | groep | grupa | group",
            "street": "street address 2 | address line 2",
            "postal_code": "postal | kod",
        }
    ),
}

# Columns that must stay unmapped although a rule might otherwise claim them.
IGNORED = {
    normalise(h)
    for h in (
        "Record ID", "ID", "Contact ID", "Company ID", "HubSpot ID", "Object ID",
        "Primary Associated Company ID", "Associated Company ID", "Lp", "Nr",
    )
}  # fmt: skip

_EMAIL_WORDS = {
    "email", "mail", "emails", "emailadres", "mailadres", "emailaddress", "emailadresse",
}  # fmt: skip
_PHONE_WORDS = {
    "phone", "telephone", "tel", "mobile", "cell", "cellphone", "gsm", "telefon", "telefonu",
    "telefoon", "telefoonnummer", "telefoonnr", "telnr", "mobiel", "mobielnummer", "komorka",
    "komorkowy", "phonenumber",
}  # fmt: skip
# Any other word in a header keeps it from being an email or phone column: "Email Domain",
# "E-mail Display Name", "Phone 1 - Type", "Business Fax", "Assistant's Phone".
_NEUTRAL = {
    "address", "addresses", "adres", "adresse", "value", "number", "nr", "no", "numer",
    "nummer", "contact", "kontaktowy",
}  # fmt: skip
_LOCATIONS = {
    "work", "business", "home", "personal", "private", "office", "direct", "mobile", "cell",
    "gsm", "kom", "mobiel", "mobiele", "komorka", "komorkowy", "prywatny", "sluzbowy",
    "firmowy", "domowy", "stacjonarny", "werk", "prive", "zakelijk", "thuis", "vast", "vaste",
}  # fmt: skip
_SECONDARY = {
    "other", "secondary", "alternative", "alternate", "additional", "extra", "dodatkowy",
    "inny", "ander", "andere", "tweede",
}  # fmt: skip
_PRIMARY = {"primary", "main", "glowny"}
_COMPANY_PHONE_WORDS = {"company", "firmy", "bedrijf", "switchboard", "centrala", "centrale"}


def _rule(words: list[str], kind_words: set[str], entity: str) -> int | None:
    """Rank of an email- or phone-like header, or None when it is not one.

    0 says primary ("Primary Phone"), 1 is plain ("Email", "E-mail 1 - Value"),
    2 names a place ("Mobile Phone", "Work email"), 3 is secondary ("E-mail 2 Address").
    """
    if not any(w in kind_words for w in words):
        return None
    allowed = kind_words | _NEUTRAL | _LOCATIONS | _SECONDARY | _PRIMARY
    if kind_words is _PHONE_WORDS and entity == "company":
        allowed = allowed | _COMPANY_PHONE_WORDS
    if any(w not in allowed and not w.isdigit() for w in words):
        return None
    if any(w in _SECONDARY for w in words) or any(w.isdigit() and int(w) >= 2 for w in words):
        return 3
    if any(w in _PRIMARY for w in words):
        return 0
    if any(w in _LOCATIONS for w in words):
        return 2
    return 1


def targets(entity: str, custom: list[FieldDef]) -> list[Target]:
    """What a column may map to, in the order the mapping form lists them."""
    base = CONTACT_TARGETS if entity == "contact" else COMPANY_TARGETS
    return [*base, *(Target(CUSTOM_PREFIX + f.key, f.label) for f in custom)]


def known_header(cell: str) -> bool:
    """Whether a cell reads like a column name of some entity (for finding the header row)."""
    n = normalise(cell)
    if not n:
        return False
    if n in IGNORED:
        return True
    for entity in ENTITIES:
        if n in STRONG[entity] or n in WEAK[entity]:
            return True
        words = n.split()
        if _rule(words, _EMAIL_WORDS, entity) is not None:
            return True
        if _rule(words, _PHONE_WORDS, entity) is not None:
            return True
    return False


def _custom_index(custom: list[FieldDef]) -> dict[str, str]:
    index: dict[str, str] = {}
    for f in custom:
        for name in (f.label, f.key, CUSTOM_PREFIX + f.key):
            index.setdefault(normalise(name), CUSTOM_PREFIX + f.key)
    return index


def guess(headers: list[str], entity: str, custom: list[FieldDef]) -> dict[int, str]:
    """Column index → target key for the columns we recognise; unmapped columns are absent.

    A single-valued target goes to the first column that claims it. Email and phone
    columns go to `email`/`phone` (the one named primary or main, else the first plain
    one) and the rest to `other_emails`/`other_phones`; a company has one phone.
    """
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}")
    names = [normalise(h or "") for h in headers]
    strong, weak = STRONG[entity], WEAK[entity]
    custom_index = _custom_index(custom)
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    multiple = {t.key for t in targets(entity, []) if t.multiple}

    def claim(i: int, key: str) -> None:
        if key in multiple or key not in taken:
            mapping[i] = key
            taken.add(key)

    for i, n in enumerate(names):
        if n and n not in IGNORED and n in strong:
            claim(i, strong[n])
    for i, n in enumerate(names):
        # A custom field named "Mobile" takes that column, but not a plain "Email".
        plain = any((_rule(n.split(), w, entity) or 9) <= 1 for w in (_EMAIL_WORDS, _PHONE_WORDS))
        if i not in mapping and n in custom_index and not plain:
            claim(i, custom_index[n])

    kinds = [(_EMAIL_WORDS, "email", "other_emails"), (_PHONE_WORDS, "phone", "other_phones")]
    for words, single, others in kinds:
        if entity == "company" and single == "email":
            continue
        ranked = [
            (rank, i)
            for i, n in enumerate(names)
            if i not in mapping and n not in IGNORED
            for rank in [_rule(n.split(), words, entity)]
            if rank is not None
        ]
        if not ranked:
            continue
        best = min(ranked)[1]
        claim(best, single)
        if entity == "contact":
            for _rank, i in ranked:
                if i != best:
                    claim(i, others)

    for i, n in enumerate(names):
        if i not in mapping and n and n not in IGNORED and n in weak:
            claim(i, weak[n])
    return dict(sorted(mapping.items()))


# ---------------------------------------------------------------------------------------
# One row → one record

_LIST_SPLIT = re.compile(r"\s*(?::::|;)\s*")
_EMAIL_SPLIT = re.compile(r"\s*(?::::|;|,)\s*")
_ANGLE = re.compile(r"<([^<>]+)>")
# Google Contacts' system groups: every contact is in "My Contacts"; "starred" is a flag.
_SYSTEM_LABELS = {"mycontacts", "starred", "othercontacts"}
_HONORIFICS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "pan", "pani", "dhr", "mevr",
    "mevrouw", "heer", "drs", "ing", "ir", "mgr", "inz",
}  # fmt: skip

ROLE_VALUES = {
    # HubSpot lifecycle stages (internal values and their labels, normalised) and plain words.
    "lead": "lead", "subscriber": "lead", "marketingqualifiedlead": "lead", "mql": "lead",
    "new": "lead", "nowy": "lead", "nieuw": "lead", "lid": "lead",
    "prospect": "prospect", "salesqualifiedlead": "prospect", "sql": "prospect",
    "opportunity": "prospect", "prospekt": "prospect", "szansa": "prospect",
    "potencjalnyklient": "prospect", "kans": "prospect", "potentieleklant": "prospect",
    "client": "client", "customer": "client", "evangelist": "client", "klient": "client",
    "klant": "client", "clients": "client", "customers": "client", "stalyklient": "client",
    # HubSpot's "Other" (and its Polish and Dutch words) names no role: the row takes the
    # import's default role instead of being rejected.
    "other": "", "inne": "", "inny": "", "overig": "", "anders": "",
}  # fmt: skip


@functools.lru_cache(maxsize=1024)
def role_value(raw: str) -> str:
    """lead|prospect|client when the value is recognisable, "" for a stage that names no
    role (HubSpot's "Other"), else the raw value (which validation then refuses)."""
    key = re.sub(r"[^a-z]", "", normalise(raw))
    return ROLE_VALUES.get(key, raw)


def split_list(raw: str) -> list[str]:
    """A labels or phones cell: Google's " ::: " and Outlook's ";" separate the values."""
    if ";" not in raw and ":::" not in raw:
        raw = raw.strip()
        return [raw] if raw else []
    return [part for part in (p.strip() for p in _LIST_SPLIT.split(raw)) if part]


@functools.lru_cache(maxsize=4096)  # a labels column repeats the same few cells
def _labels(raw: str) -> tuple[str, ...]:
    labels: list[str] = []
    for part in split_list(raw):
        if part.startswith("*"):
            part = part.lstrip("* ").strip()
            if not part or re.sub(r"[^a-z]", "", normalise(part)) in _SYSTEM_LABELS:
                continue
        if part not in labels:
            labels.append(part)
    return tuple(labels)


def clean_labels(raw: str) -> list[str]:
    """Label names without Google's system groups ("* myContacts", "* starred")."""
    return list(_labels(raw))


def split_name(full: str) -> tuple[str, str]:
    """ "Jan van der Berg" → ("Jan", "van der Berg"); "Kowalski, Jan" → ("Jan", "Kowalski")."""
    full = " ".join(full.split())
    if "," in full:
        last, _sep, first = full.partition(",")
        return first.strip(), last.strip()
    parts = full.split(" ")
    while len(parts) > 1 and normalise(parts[0]) in _HONORIFICS:
        parts.pop(0)
    return parts[0], " ".join(parts[1:])


def _emails(raw: str) -> list[str]:
    """ "a@x.pl ::: Anna <b@x.pl>; c@x.pl" → the three addresses."""
    if ";" not in raw and "," not in raw and ":" not in raw and "<" not in raw:
        return [raw]
    found = []
    for part in _EMAIL_SPLIT.split(raw):
        angle = _ANGLE.search(part)
        part = angle.group(1).strip() if angle else part.strip()
        if part:
            found.append(part)
    return found


_MULTI_KEYS = {"email", "other_emails", "phone", "other_phones", "labels", "role", "full_name"}


@dataclass(frozen=True)
class _Plan:
    """A mapping compiled once: which cells feed which key, in the order that decides."""

    contact: bool
    scalars: tuple[tuple[str, tuple[int, ...]], ...]
    custom: tuple[tuple[str, tuple[int, ...]], ...]
    role: tuple[int, ...]
    labels: tuple[int, ...]
    emails: tuple[int, ...]  # the "email" columns, then the "other_emails" ones
    phones: tuple[int, ...]
    full_name: tuple[int, ...]


@functools.lru_cache(maxsize=64)
def _plan(items: tuple[tuple[int, str], ...], entity: str) -> _Plan:
    columns: dict[str, list[int]] = {}
    for i, key in items:
        # A mapping that went through JSON has "3" for 3.
        if isinstance(i, str) and i.isdigit():
            i = int(i)
        if isinstance(i, int) and i >= 0:
            columns.setdefault(key, []).append(i)
    for found in columns.values():
        found.sort()

    def cols(*keys: str) -> tuple[int, ...]:
        return tuple(i for key in keys for i in columns.get(key, ()))

    contact = entity == "contact"
    return _Plan(
        contact=contact,
        scalars=tuple(
            (k, tuple(v))
            for k, v in columns.items()
            if k not in _MULTI_KEYS and not k.startswith(CUSTOM_PREFIX)
        ),
        custom=tuple(
            (k[len(CUSTOM_PREFIX) :], tuple(v))
            for k, v in columns.items()
            if k.startswith(CUSTOM_PREFIX)
        ),
        role=cols("role"),
        labels=cols("labels"),
        emails=cols("email", "other_emails") if contact else (),
        phones=cols("phone", "other_phones") if contact else cols("phone"),
        full_name=cols("full_name") if contact else (),
    )


def _first(cells: list[str], columns: tuple[int, ...]) -> str:
    """The first non-blank cell of the columns, stripped."""
    n = len(cells)
    for i in columns:
        if i < n:
            value = cells[i]
            if value:
                value = value.strip()
                if value:
                    return value
    return ""


def _values(cells: list[str], columns: tuple[int, ...], split, fold: bool) -> list[str]:
    """Every value of the columns' cells, split and without repeats, in column order."""
    found: list[str] = []
    seen: set[str] = set()
    n = len(cells)
    for i in columns:
        if i < n and cells[i]:
            raw = cells[i].strip()
            if raw:
                for value in split(raw):
                    key = value.lower() if fold else value
                    if key not in seen:
                        seen.add(key)
                        found.append(value)
    return found


def to_record(mapping: dict[int, str], cells: list[str], entity: str) -> dict:
    """One row as the importer's raw record: only keys with a value, strings stripped.

    Contact: first_name, last_name, email, other_emails, phone, other_phones, company,
    job_title, role, source, labels, is_active, custom. Company: name, domain, website,
    phone, street, city, postal_code, region, country, type, role, labels, custom.
    Several email or phone columns (and " ::: " or ";" inside a cell): the first value
    is the email/phone, the rest the other ones. A full name fills in first and last
    name when both are empty. Roles are lead|prospect|client when recognisable.
    """
    return _apply(_plan(tuple(mapping.items()), entity), cells)


def record_maker(mapping: dict[int, str], entity: str) -> Callable[[list[str]], dict]:
    """`to_record` for one mapping, compiled once: call it for each row of a big file."""
    return functools.partial(_apply, _plan(tuple(mapping.items()), entity))


def _apply(plan: _Plan, cells: list[str]) -> dict:
    record: dict = {}
    for key, columns in plan.scalars:
        value = _first(cells, columns)
        if value:
            record[key] = value
    if plan.role:
        value = _first(cells, plan.role)
        if value and (role := role_value(value)):
            record["role"] = role
    if plan.labels:
        labels = _values(cells, plan.labels, _labels, fold=False)
        if labels:
            record["labels"] = labels
    if plan.emails:
        emails = _values(cells, plan.emails, _emails, fold=True)
        if emails:
            record["email"] = emails[0]
            if len(emails) > 1:
                record["other_emails"] = emails[1:]
    if plan.phones:
        phones = _values(cells, plan.phones, split_list, fold=False)
        if phones:
            record["phone"] = phones[0]
            if len(phones) > 1 and plan.contact:
                record["other_phones"] = phones[1:]
    if plan.full_name and not (record.get("first_name") or record.get("last_name")):
        full = _first(cells, plan.full_name)
        if full:
            first, last = split_name(full)
            if first:
                record["first_name"] = first
            if last:
                record["last_name"] = last
    if plan.custom:
        custom = {}
        for key, columns in plan.custom:
            value = _first(cells, columns)
            if value:
                custom[key] = value
        if custom:
            record["custom"] = custom
    return record
