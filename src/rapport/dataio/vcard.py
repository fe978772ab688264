"""A small vCard 4.0 writer (RFC 6350) and the contact export built on it.

Only what we write is implemented: text values escaped (§3.4), lines folded at 75 octets
without splitting a UTF-8 character (§3.2), CRLF line ends, parameters that need no
quoting. Reading vCards is not our business here.
"""

import datetime as dt
import itertools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

MAX_OCTETS = 75
CRLF = "\r\n"
# A fixed namespace: the same contact of the same workspace always gets the same UID, so
# a program that imports the file twice updates the card instead of adding a copy.
UID_NAMESPACE = uuid.UUID("6f1d3a2e-3c1b-5d0a-9b7e-2a4c8e1f0d93")


def escape(value: str) -> str:
    """A text value with backslash, comma, semicolon and line breaks escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded so that no physical line exceeds 75 octets, with CRLFs.

    A continuation line begins with a space, which counts toward its 75 octets. A cut
    never falls inside a multi-byte UTF-8 character.
    """
    data = line.encode()
    if len(data) <= MAX_OCTETS:
        return line + CRLF
    parts = []
    start, limit = 0, MAX_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: step back to its start
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, MAX_OCTETS - 1
    parts.append(data[start:].decode())
    return (CRLF + " ").join(parts) + CRLF


def content_line(name: str, value: str, **params: str) -> str:
    """`NAME;PARAM=value:value`, folded. `value` must already be escaped."""
    head = name + "".join(f";{key.upper()}={val}" for key, val in params.items())
    return fold(f"{head}:{value}")


@dataclass
class Card:
    uid: str
    full_name: str
    family: str = ""
    given: str = ""
    emails: list[str] = field(default_factory=list)  # the first one preferred
    phones: list[str] = field(default_factory=list)
    org: str = ""
    title: str = ""
    categories: list[str] = field(default_factory=list)
    note: str = ""
    rev: dt.datetime | None = None

    def render(self) -> str:
        lines = [
            "BEGIN:VCARD" + CRLF,
            "VERSION:4.0" + CRLF,
            content_line("UID", self.uid),
            content_line("FN", escape(self.full_name)),
            content_line("N", f"{escape(self.family)};{escape(self.given)};;;"),
        ]
        for n, email in enumerate(self.emails):
            lines.append(content_line("EMAIL", escape(email), **({"pref": "1"} if n == 0 else {})))
        for n, phone in enumerate(self.phones):
            lines.append(content_line("TEL", escape(phone), **({"pref": "1"} if n == 0 else {})))
        if self.org:
            lines.append(content_line("ORG", escape(self.org)))
        if self.title:
            lines.append(content_line("TITLE", escape(self.title)))
        if self.categories:
            lines.append(content_line("CATEGORIES", ",".join(escape(c) for c in self.categories)))
        if self.note:
            lines.append(content_line("NOTE", escape(self.note)))
        if self.rev is not None:
            rev = self.rev.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            lines.append(content_line("REV", rev))
        lines.append("END:VCARD" + CRLF)
        return "".join(lines)


def contact_uid(workspace_id: int, contact_id: int) -> str:
    return "urn:uuid:" + str(uuid.uuid5(UID_NAMESPACE, f"{workspace_id}:contact:{contact_id}"))


FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "other_emails",
    "phone",
    "other_phones",
    "company_id",
    "job_title",
    "custom",
    "updated_at",
)


def contact_cards(workspace, queryset: QuerySet, *, chunk_size: int = 1000) -> Iterator[str]:
    """One vCard per contact of `queryset` (visibility-scoped and ordered by the caller).

    Streams like the CSV export: values_list rows, company and label names by one query per
    chunk, categories once. Custom field values go into NOTE as "Label: value" lines.
    """
    from rapport.core.models import Category
    from rapport.customers.models import Company, ContactLabel
    from rapport.customfields.validation import definitions

    label_names = dict(
        Category.objects.filter(workspace=workspace, kind="labels").values_list("id", "name")
    )
    defs = definitions(workspace=workspace, entity="contact")
    rows = queryset.values_list(*FIELDS).iterator(chunk_size=chunk_size)
    for chunk in itertools.batched(rows, chunk_size):
        ids = [row[0] for row in chunk]
        companies = dict(
            Company.objects.filter(
                workspace=workspace, pk__in={row[7] for row in chunk if row[7]}
            ).values_list("id", "name")
        )
        labels: dict[int, list[str]] = {}
        for contact_id, category_id in ContactLabel.objects.filter(
            workspace=workspace, contact_id__in=ids
        ).values_list("contact_id", "category_id"):
            if category_id in label_names:
                labels.setdefault(contact_id, []).append(label_names[category_id])
        for pk, first, last, email, emails, phone, phones, company_id, title, custom, rev in chunk:
            full = f"{first} {last}".strip() or email or _("Contact %(id)s") % {"id": pk}
            yield Card(
                uid=contact_uid(workspace.pk, pk),
                full_name=full,
                family=last,
                given=first,
                emails=[e for e in [email, *(emails or [])] if e],
                phones=[p for p in [phone, *(phones or [])] if p],
                org=companies.get(company_id, ""),
                title=title,
                categories=sorted(labels.get(pk, [])),
                note=_note(defs, custom or {}),
                rev=rev,
            ).render()


def _note(defs: Sequence, custom: dict) -> str:
    """Custom values as "Label: value" lines; choices by their option labels."""
    lines = []
    for d in defs:
        value = custom.get(d.key)
        if value is None or value == "" or value == []:
            continue
        options = dict(d.options)
        values = value if isinstance(value, list) else [value]
        text = ", ".join(str(options.get(v, v)) for v in values)
        lines.append(f"{d.label}: {text}")
    return "\n".join(lines)


def stream_cards(cards: Iterable[str], *, piece: int = 64 * 1024) -> Iterator[bytes]:
    """Cards as UTF-8 in pieces of about `piece` bytes."""
    buffer: list[str] = []
    size = 0
    for card in cards:
        buffer.append(card)
        size += len(card)
        if size >= piece:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()
