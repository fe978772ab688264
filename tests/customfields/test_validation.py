"""validate_custom: every type's canonical stored shape, and every refusal naming its field."""

import datetime as dt

import pytest

from rapport.core.errors import Invalid
from rapport.customfields.validation import FieldDef, definitions, validate_custom
from tests.customfields.factories import RETAIL_B2B_GOV, make_field

OPTIONS = tuple((o["value"], o["label"]) for o in RETAIL_B2B_GOV)


def fd(type: str, key: str = "f", *, required: bool = False) -> FieldDef:
    options = OPTIONS if type in ("radio", "checkbox", "dropdown") else ()
    return FieldDef(key=key, label=key.title(), type=type, required=required, options=options)


def check(d: FieldDef, value, **kwargs):
    return validate_custom(
        workspace=None, entity="contact", values={d.key: value}, defs=[d], **kwargs
    )


@pytest.mark.parametrize(
    ("type", "given", "stored"),
    [
        ("text", "  hello  ", "hello"),
        ("text", 42, "42"),
        ("textarea", "line one\nline two\tend", "line one\nline two\tend"),
        ("number", "12", 12),
        ("number", "1,5", 1.5),
        ("number", "-7.25", -7.25),
        ("number", 3.0, 3),
        ("number", 10, 10),
        ("number", "1e3", 1000),
        ("number", "999999999999999", 999999999999999),
        ("date", "2024-02-29", "2024-02-29"),
        ("date", " 2024-01-02 ", "2024-01-02"),
        ("date", dt.date(2024, 1, 2), "2024-01-02"),
        ("email", "Ann@Example.COM", "ann@example.com"),
        ("url", "example.com/path", "https://example.com/path"),
        ("url", "http://example.org", "http://example.org"),
        ("phone", "+48 600 100 200", "+48 600 100 200"),
        ("phone", "(020) 555-0101", "(020) 555-0101"),
        ("radio", "b2b", "b2b"),
        ("dropdown", "gov", "gov"),
        ("checkbox", "b2b", ["b2b"]),
    ],
)
def test_valid_values_are_stored_in_their_canonical_shape(type, given, stored):
    assert check(fd(type), given) == {"f": stored}


def test_checkbox_lists_follow_the_option_order_without_duplicates():
    assert check(fd("checkbox"), ["gov", "retail", "gov"]) == {"f": ["retail", "gov"]}


def test_numbers_keep_their_type():
    assert type(check(fd("number"), "4.0")["f"]) is int
    assert type(check(fd("number"), "4.5")["f"]) is float


@pytest.mark.parametrize(
    ("type", "given", "message"),
    [
        ("text", "a" * 501, "Use at most 500 characters."),
        ("text", "bad\x00byte", "Remove the control characters."),
        ("text", "two\nlines", "Remove the control characters."),
        ("text", True, "Enter text."),
        ("text", {"a": 1}, "Enter text."),
        ("textarea", "a" * 10_001, "Use at most 10000 characters."),
        ("number", "abc", "Enter a number."),
        ("number", True, "Enter a number."),
        ("number", [1], "Enter a number."),
        ("number", "NaN", "Enter a number between -10^15 and 10^15."),
        ("number", "Infinity", "Enter a number between -10^15 and 10^15."),
        ("number", "-Infinity", "Enter a number between -10^15 and 10^15."),
        ("number", "1e16", "Enter a number between -10^15 and 10^15."),
        ("number", 10**15, "Enter a number between -10^15 and 10^15."),
        ("number", float("nan"), "Enter a number between -10^15 and 10^15."),
        ("date", "2023-02-29", "Enter a date as YYYY-MM-DD."),
        ("date", "29/02/2024", "Enter a date as YYYY-MM-DD."),
        ("date", 20240101, "Enter a date as YYYY-MM-DD."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "ann@@example.com", "Enter a valid email address."),
        ("url", "ftp://example.org", "Enter a valid web address."),
        ("url", "javascript:alert(1)", "Enter a valid web address."),
        ("url", "not a url", "Enter a valid web address."),
        ("phone", "call me", "Enter a valid phone number."),
        ("phone", "12", "Enter a valid phone number."),
        ("radio", "nope", "Choose one of the options."),
        ("radio", ["retail"], "Choose one of the options."),
        ("dropdown", "RETAIL", "Choose one of the options."),
        ("checkbox", ["retail", "nope"], "Choose from the options."),
        ("checkbox", [1], "Choose from the options."),
        ("checkbox", {"retail": True}, "Choose from the options."),
    ],
)
def test_invalid_values_raise_invalid_naming_the_field(type, given, message):
    with pytest.raises(Invalid) as caught:
        check(fd(type), given)
    assert caught.value.errors == [{"field": "custom.f", "message": message}]
    assert caught.value.status == 422


@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_an_empty_value_is_stored_as_an_absent_key(empty):
    assert check(fd("text"), empty) == {}


@pytest.mark.parametrize("empty", [None, "", []])
def test_a_required_field_left_empty_is_refused(empty):
    with pytest.raises(Invalid) as caught:
        check(fd("checkbox", "sector", required=True), empty)
    assert caught.value.errors == [{"field": "custom.sector", "message": "Sector is required."}]


def test_a_required_field_missing_from_a_full_form_is_refused():
    d = fd("text", "code", required=True)
    with pytest.raises(Invalid) as caught:
        validate_custom(workspace=None, entity="contact", values={}, defs=[d])
    assert caught.value.errors == [{"field": "custom.code", "message": "Code is required."}]


def test_a_required_field_already_set_may_be_absent_from_a_partial_update():
    d = fd("text", "code", required=True)
    result = validate_custom(
        workspace=None, entity="contact", values={}, current={"code": "A1"}, partial=True, defs=[d]
    )
    assert result == {"code": "A1"}


def test_an_unknown_key_is_refused_by_name():
    with pytest.raises(Invalid) as caught:
        validate_custom(workspace=None, entity="contact", values={"nope": 1}, defs=[fd("text")])
    assert caught.value.errors == [{"field": "custom.nope", "message": "There is no such field."}]


def test_every_bad_field_is_named_at_once():
    defs = [fd("number", "a"), fd("date", "b")]
    with pytest.raises(Invalid) as caught:
        validate_custom(workspace=None, entity="contact", values={"a": "x", "b": "y"}, defs=defs)
    assert [e["field"] for e in caught.value.errors] == ["custom.a", "custom.b"]
    assert caught.value.message == "Check the custom fields: a, b."


def test_a_partial_update_keeps_the_other_keys():
    defs = [fd("text", "a"), fd("number", "b"), fd("text", "c")]
    current = {"a": "kept", "b": 1, "c": "dropped"}
    result = validate_custom(
        workspace=None,
        entity="contact",
        values={"b": "2", "c": ""},
        current=current,
        partial=True,
        defs=defs,
    )
    assert result == {"a": "kept", "b": 2}
    assert current == {"a": "kept", "b": 1, "c": "dropped"}


def test_a_full_update_replaces_the_whole_set():
    defs = [fd("text", "a"), fd("number", "b")]
    result = validate_custom(
        workspace=None, entity="contact", values={"b": 5}, current={"a": "old"}, defs=defs
    )
    assert result == {"b": 5}


def test_values_that_are_not_an_object_are_refused():
    with pytest.raises(Invalid) as caught:
        validate_custom(workspace=None, entity="contact", values=["a"], defs=[])
    assert caught.value.errors[0]["field"] == "custom"


@pytest.mark.django_db
def test_definitions_come_in_display_order_with_sections_and_options(workspace):
    make_field(workspace, "Second", section="Later")
    make_field(workspace, "First", section="Profile")
    make_field(workspace, "Sector", "dropdown", section="Later", options=RETAIL_B2B_GOV)
    make_field(workspace, "Size", entity="company")
    defs = definitions(workspace=workspace, entity="contact")
    assert [(d.section, d.key) for d in defs] == [
        ("Later", "second"),
        ("Later", "sector"),
        ("Profile", "first"),
    ]
    assert defs[1].options == OPTIONS
