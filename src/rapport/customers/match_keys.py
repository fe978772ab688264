"""Match keys: when two contacts or two companies are probably the same one.

Each reason to call records duplicates has an *exact key*, computed here in Python. The
duplicates scan (`duplicates.py`) groups records by it, in SQL where the key is plain SQL
(email, phone, domain) and, for names, in Python over runs of rows that share a coarser
*candidate key* SQL can compute (the company; the first two folded characters of a company
name), so memory holds one run at a time.

- contact email: the address lowercased, from `email` and from every `other_emails` entry.
- contact phone: digits only (spaces and `+ ( ) . / -` dropped), the last 9 of them;
  numbers with fewer than 7 digits are not compared.
- contact name: the company, and last and first name each folded: no accents
  (Łódź → lodz), lowercase, letters and digits only.
- company domain: the domain lowercased.
- company name: the name folded, without punctuation, spaces and trailing legal forms
  (Inc, Ltd, LLC, GmbH, B.V., sp. z o.o., S.A., ...).

The last 9 digits make "+48 601 234 567", "0048601234567" and "601-234-567" one number:
a country prefix or a trunk 0 is ignored, at the price of pairing two numbers that differ
only in their country prefix, which the person reviewing the pair sees at once.

Why names are folded in Python: SQLite cannot fold the accents of a whole name in SQL. It
has no `unaccent` or `translate`, refuses more than about thirty nested `REPLACE` calls,
and a per-character lookup over a whole name costs ~60 µs a row (measured at 1M
contacts). Company names are grouped by a two-character candidate first, folded through a
lookup table (`CompanyPrefix`); two names with the same exact key share it unless the name
starts with punctuation, or its core is one character ("X Ltd" and "X").
"""

import re
import unicodedata

from django.db.models import CharField, Func

# Latin letters with diacritics (Latin-1 Supplement, Latin Extended-A, Romanian ș ț) and the
# plain lowercase letter each folds to. Spelled out rather than computed so the SQL of the
# indexes, which embeds them, never changes under a migration's feet.
FOLD_FROM = (
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚě"
    "ĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľĿŀŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹź"
    "ŻżŽžſȘșȚț"
)
FOLD_TO = (
    "aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaaaaaccccccccddddeeeeeeeeee"
    "gggggggghhhhiiiiiiiiiijjkkllllllllllnnnnnnoooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzz"
    "zzzzssstt"
)
assert len(FOLD_FROM) == len(FOLD_TO)  # noqa: S101 - a typo here would corrupt every key
FOLD = dict(zip(FOLD_FROM, FOLD_TO, strict=True))
# Letters that fold to two: replaced before the rest (so a prefix stays a prefix).
EXPAND = (("ß", "ss"), ("ẞ", "ss"), ("æ", "ae"), ("Æ", "ae"), ("œ", "oe"), ("Œ", "oe"))
PHONE_STRIP = (" ", "(", ")", ".", "/", "-", "+")
PHONE_DIGITS = 9
PHONE_MIN_DIGITS = 7
COMPANY_PREFIX = 2

# Legal forms, as words after folding and punctuation → spaces ("sp. z o.o." → sp z o o).
# Removed from the end of a company name, repeatedly ("GmbH & Co. KG" → all three).
LEGAL_SUFFIXES = tuple(
    tuple(s.split())
    for s in (
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "l l c",
        "llp",
        "plc",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "ug",
        "ev",
        "e v",
        "bv",
        "b v",
        "nv",
        "n v",
        "vof",
        "bvba",
        "sa",
        "s a",
        "sas",
        "s a s",
        "sarl",
        "s a r l",
        "srl",
        "s r l",
        "spa",
        "s p a",
        "sl",
        "s l",
        "sp z o o",
        "spolka z o o",
        "sp zoo",
        "spzoo",
        "sp k",
        "sp j",
        "s c",
        "sro",
        "s r o",
        "as",
        "a s",
        "aps",
        "ab",
        "oy",
        "oyj",
        "kft",
        "pty",
        "lda",
    )
)
_SUFFIXES_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _suffix in sorted(LEGAL_SUFFIXES, key=len, reverse=True):  # "s a s" before "s"
    _SUFFIXES_BY_LAST.setdefault(_suffix[-1], []).append(_suffix)
_NOT_ALNUM = re.compile(r"[\W_]+")


# --- exact keys (Python) ------------------------------------------------------------------


def fold(text: str) -> str:
    """Lowercase without diacritics: "Łódź" → "lodz", "Straße" → "strasse"."""
    if text.isascii():
        return text.lower()
    for a, b in EXPAND:
        text = text.replace(a, b)
    out = []
    for ch in text:
        mapped = ch if ch.isascii() else FOLD.get(ch)
        if mapped is None:
            decomposed = unicodedata.normalize("NFKD", ch)
            mapped = "".join(c for c in decomposed if not unicodedata.combining(c))
        out.append(mapped)
    return "".join(out).lower()


def email_key(value: str) -> str:
    return (value or "").strip().lower()


def phone_key(value: str) -> str:
    """The last 9 digits, or "" for no number or one too short to compare."""
    digits = value or ""
    for ch in PHONE_STRIP:
        digits = digits.replace(ch, "")
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_MIN_DIGITS else ""


def person_key(first_name: str, last_name: str) -> str:
    """ "lovelace ada": last and first name folded, letters and digits only ("" for none)."""
    last = _NOT_ALNUM.sub("", fold(last_name or ""))
    first = _NOT_ALNUM.sub("", fold(first_name or ""))
    return f"{last} {first}" if last or first else ""


def company_key(name: str) -> str:
    """The name folded, without punctuation, spaces and trailing legal forms."""
    words = _NOT_ALNUM.sub(" ", fold(name or "")).split()
    while len(words) > 1:
        for suffix in _SUFFIXES_BY_LAST.get(words[-1], ()):
            n = len(suffix)
            if len(words) > n and tuple(words[-n:]) == suffix:
                words = words[:-n]
                break
        else:
            break
    return "".join(words)


# --- candidate keys (SQL, indexed) -------------------------------------------------------
# The SQL holds literals only, never parameters: SQLite uses an expression index only for
# a query whose expression is the same, and a bound parameter is not the same as a literal.


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _replace(sql: str, pairs) -> str:
    for old, new in pairs:
        sql = f"REPLACE({sql}, {_literal(old)}, {_literal(new)})"
    return sql


def _fold_char(sql: str, vendor: str) -> str:
    """One character folded through the table: its plain letter, or itself when not there.

    On SQLite the character is looked up in FROM || char, so one that is not in the table
    is found just past its end and maps, through TO || char, to itself.
    """
    if vendor == "postgresql":
        return f"TRANSLATE({sql}, {_literal(FOLD_FROM)}, {_literal(FOLD_TO)})"
    return f"SUBSTR({_literal(FOLD_TO)} || {sql}, INSTR({_literal(FOLD_FROM)} || {sql}, {sql}), 1)"


def _folded_prefix(sql: str, length: int, vendor: str) -> str:
    """The first `length` characters of `sql`, each folded, lowercased."""
    chars = [_fold_char(f"SUBSTR({sql}, {i}, 1)", vendor) for i in range(1, length + 1)]
    return f"LOWER({' || '.join(chars)})"


class PhoneKey(Func):
    """The last 9 digits of a phone number (shorter numbers stay whole)."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        digits = _replace(sql, [(ch, "") for ch in PHONE_STRIP])
        if connection.vendor == "postgresql":
            return f"RIGHT({digits}, {PHONE_DIGITS})", params
        return f"SUBSTR({digits}, -{PHONE_DIGITS})", params


class CompanyPrefix(Func):
    """The first two folded characters of a company's name: its candidate key."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return _folded_prefix(sql, COMPANY_PREFIX, connection.vendor), params
