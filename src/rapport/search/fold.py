"""Folding text for search: the same function builds the index and reads the query.

Folding lowercases (Unicode case folding), turns letters that NFKD cannot decompose into
their plain Latin look-alikes (Ł has no decomposition, so NFKD alone leaves "łódź" as
"łodz"), strips the accents NFKD splits off, and unifies apostrophes and dashes. It runs
in Python on both databases, so SQLite and PostgreSQL index and match exactly the same
strings and neither needs `unaccent` or a collation.
"""

import re
import unicodedata

# Letters without a Unicode decomposition, after case folding (which already turned ß into
# ss and Ł into ł). Kept small and explicit: what a European CRM meets in names.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
        "ƒ": "f",
        "ɨ": "i",
        "ʉ": "u",
        # Typographic apostrophes and dashes as typed on a phone or pasted from a mail.
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "`": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_SPACE = re.compile(r"\s+")
# What a phone number looks like when typed: digits with the usual separators.
_PHONE = re.compile(r"^\+?[\d\s().\-/]*\d[\d\s().\-/]*$")
_DIGITS = re.compile(r"\D+")
_PARTS = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lowercase, accent-free, single-spaced text: "Łódź  Textiles" -> "lodz textiles"."""
    if text.isascii():  # most of it: skip the per-character work
        return _SPACE.sub(" ", text.lower().replace("`", "'")).strip()
    text = text.casefold().translate(_LETTERS)
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch) and (ch.isprintable() or ch.isspace())
    )
    return _SPACE.sub(" ", text).strip()


def words(*values: str) -> list[str]:
    """The folded words of `values`, each once, in order. A word with punctuation inside
    also gives its parts ("ada.kowalski@example.com" gives "ada", "kowalski", "example",
    "com"): a word start for search is then wherever pg_trgm's own word splitting puts
    one, so the trigram index never offers rows that the word-start test rejects."""
    seen: dict[str, None] = {}
    for value in values:
        for word in fold(value or "").split(" "):
            if not word:
                continue
            seen.setdefault(word, None)
            if not word.isalnum():
                for part in _PARTS.split(word):
                    if part:
                        seen.setdefault(part, None)
    return list(seen)


def phone_digits(value: str) -> str:
    """A phone number as the digits that identify it, without leading zeros or "+":
    "+48 601 234 567" -> "48601234567", "0612 345 678" -> "612345678". A query's digits
    are a substring of the stored ones whatever prefix either was typed with."""
    return _DIGITS.sub("", value or "").lstrip("0")


def looks_like_phone(text: str) -> bool:
    return bool(_PHONE.match(text.strip())) and len(_DIGITS.sub("", text)) >= 3


def key(parts: list[str]) -> str:
    """Words as stored in the index: space before and after each, so that " lod" means
    "a word starting with lod" and " jan " means the whole word "jan"."""
    return f" {' '.join(parts)} " if parts else ""
