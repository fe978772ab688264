"""Every string of the interface has a Polish and a Dutch translation, in use at runtime."""

import re
from pathlib import Path

import pytest
from django.utils import translation

import rapport

LOCALE = Path(rapport.__file__).parent / "locale"


def _entries(po: Path):
    """(msgid, [msgstr...], fuzzy) for each entry of a .po file, header excluded."""
    text = po.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        if "msgid" not in block:
            continue
        fuzzy = "#, fuzzy" in block
        msgid = "".join(
            re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$', block.split("msgstr")[0], re.M)
        )
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
        values = ["".join(re.findall(r'"(.*)"', s)) for s in strings]
        if msgid:
            yield msgid, values, fuzzy


@pytest.mark.parametrize("lang", ["pl", "nl"])
def test_every_string_is_translated_and_none_is_fuzzy(lang):
    entries = list(_entries(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    assert len(entries) > 200
    missing = [msgid for msgid, values, fuzzy in entries if fuzzy or not all(values)]
    assert missing == []


@pytest.mark.parametrize(
    ("lang", "expected"), [("pl", "Zaloguj się"), ("nl", "Inloggen"), ("en", "Log in")]
)
def test_the_compiled_catalogue_is_used(lang, expected):
    with translation.override(lang):
        assert translation.gettext("Log in") == expected
