"""Folding: what the index stores and what a query looks for are the same strings."""

import pytest

from rapport.search.fold import fold, key, looks_like_phone, phone_digits, words
from rapport.search.fuzzy import distance, near
from rapport.search.selectors import parse_query


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Łódź", "lodz"),
        ("ŁÓDŹ  Textiles", "lodz textiles"),
        ("Øster Æbeltoft", "oster aebeltoft"),
        ("Straße", "strasse"),
        ("Đorđević", "dordevic"),
        ("Þór Œuvre", "thor oeuvre"),
        ("Wiśniewski Wójcik", "wisniewski wojcik"),
        ("O’Brien", "o'brien"),
        ("Ｆｕｌｌ", "full"),  # compatibility forms fold too (NFKD)
        ("İstanbul", "istanbul"),
        ("  ada\tlovelace\n", "ada lovelace"),
        ("Μαρία", "μαρια"),  # other scripts stay, without their accents
    ],
)
def test_fold_makes_plain_lowercase_text(text, folded):
    assert fold(text) == folded


def test_words_keep_each_word_once_and_split_addresses_into_parts():
    assert words("Ada Lovelace", "ada.lovelace@example.com", "Ada") == [
        "ada",
        "lovelace",
        "ada.lovelace@example.com",
        "example",
        "com",
    ]


def test_stored_keys_put_a_space_around_every_word():
    assert key(["ada", "lovelace"]) == " ada lovelace "
    assert key([]) == ""


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+48 601 234 567", "48601234567"),
        ("0048 601-234-567", "48601234567"),
        ("(0)612 345 678", "612345678"),
        ("601234567", "601234567"),
    ],
)
def test_phone_digits_drop_separators_and_leading_zeros(typed, digits):
    assert phone_digits(typed) == digits


def test_only_digits_with_separators_look_like_a_phone():
    assert looks_like_phone("+48 601 234 567") is True
    assert looks_like_phone("(030) 1234-56") is True
    assert looks_like_phone("12") is False
    assert looks_like_phone("ada 601") is False


def test_a_query_of_one_character_is_not_searched():
    assert parse_query("a") is None
    assert parse_query(" ") is None
    assert parse_query("\x00\x01") is None
    assert parse_query("a b") is None


def test_a_query_becomes_folded_terms_each_once():
    parsed = parse_query("Łódź  łódź Textiles")
    assert parsed.terms == ["lodz", "textiles"]


def test_a_phone_query_becomes_its_digits():
    assert parse_query("+48 601 234 567").terms == ["48601234567"]


def test_a_very_long_query_is_cut_to_a_few_short_terms():
    parsed = parse_query(" ".join(["word"] * 500) + " " + "x" * 5000)
    assert parsed.terms == ["word"]
    parsed = parse_query("abcdefgh " * 3 + "y" * 500)
    assert all(len(t) <= 40 for t in parsed.terms)


def test_distance_counts_edits_and_swaps():
    assert distance("lovelase", "lovelace", 1) == 1
    assert distance("kowalsky", "kowalski", 1) == 1
    assert distance("lovleace", "lovelace", 1) == 1  # two letters swapped
    assert distance("smith", "smit", 1) == 1
    assert distance("abcdef", "uvwxyz", 2) == 3  # stops counting past the limit


def test_near_finds_a_word_one_typo_away_or_being_typed():
    assert near(" ada lovelace ", "lovelase") is True
    assert near(" ada lovelace ", "lovelas") is True  # a typo in a word still being typed
    assert near(" ada lovelace ", "lavender") is False
    assert near(None, "x") is False
