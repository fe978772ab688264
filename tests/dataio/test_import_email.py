"""The import's email check accepts and refuses exactly what the contact form's does.

`importing.rows.email` answers the common address with one precompiled pattern and
hands everything else to Django's `validate_email`; `customers.services._common.email`
(the forms' and the API's check) is the reference it must agree with on every input:
the same cleaned value, the same error, or both None."""

import random
import string

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.customers.services import _common as c
from rapport.dataio.importing.rows import COMMON_EMAIL, email

TRICKY = [
    "",
    " ",
    "   \t",
    None,
    42,
    ["a@b.test"],
    "ada@example.com",
    "  Ada.Lovelace@Example.COM  ",
    "ada@example",  # no TLD
    "ada@localhost",  # Django's allowlist
    "ada@[127.0.0.1]",
    "ada@[::1]",
    "ada@[300.1.1.1]",
    "ada@[1.2.3]",
    '"ada lovelace"@example.com',
    '"ada\\"x"@example.com',
    "ada..lovelace@example.com",
    ".ada@example.com",
    "ada.@example.com",
    "ada@.example.com",
    "ada@example..com",
    "ada@-example.com",
    "ada@example-.com",
    "ada@example.-com",
    "ada@example.com-",
    "ada@example.c",
    "ada@example.c0m",
    "ada@example.123",
    "ada@example.xn--p1ai",
    "ada@xn--80ak6aa92e.xn--p1ai",
    "ada@example.com.",
    "ada@@example.com",
    "ada@b@example.com",
    "a@b.co",
    "a+tag@b.co",
    "o'brien@example.ie",
    "{}|~!#$%&'*+/=?^_`@example.com",
    "ada@łódź.pl",
    "łukasz@example.pl",
    "zoë@example.com",
    "ada@bücher.de",
    "ada@example.ſom",  # long s: folds to "s" under IGNORECASE
    "ada@\u212aexample.com",  # Kelvin sign: folds to "k"
    "ada@ex\u00admple.com",  # soft hyphen
    "ada@exa mple.com",
    "ada @example.com",
    "ada@example.com\n",
    "ada\n@example.com",
    "ada@example.com\x00",
    "ada@" + "a" * 63 + ".com",
    "ada@" + "a" * 64 + ".com",
    "ada@example." + "a" * 63,
    "ada@example." + "a" * 64,
    "a" * 64 + "@example.com",
    "a" * 243 + "@example.com",  # 255 characters
    "a" * 242 + "@example.com",  # 254 characters
    "a" * 320 + "@example.com",
    "ada@a-b.c-d.com",
    "ada@1.2.3.4",
    "ada@123.com",
    "ada@example.co-m",
    "ada@example.-co",
]


def _reference(value):
    errors = c.Errors()
    return c.email(errors, "email", value), errors.items


def _ours(value):
    errors = c.Errors()
    return email(errors, "email", value), errors.items


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_addresses_get_the_forms_answer(value):
    assert _ours(value) == _reference(value)


def test_the_fast_pattern_accepts_only_what_django_accepts():
    rng = random.Random(5)
    alphabet = string.ascii_lowercase + string.digits + ".-_+@'\"[]:\u0142\u00e9 " + "\u212a"
    for _ in range(20_000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30)))
        if COMMON_EMAIL.fullmatch(value):
            validate_email(value)  # raises if the fast path let through a bad one
        assert _ours(value) == _reference(value), value


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(string.ascii_letters + string.digits + ".-_+@ \"'[]łéſ")),
        max_size=40,
    )
)
def test_any_text_gets_the_forms_answer(value):
    assert _ours(value) == _reference(value)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(
        r"[a-z0-9._+-]{1,20}@[a-z0-9-]{1,20}(\.[a-z0-9-]{1,10}){0,2}\.[a-z-]{1,6}", fullmatch=True
    )
)
def test_address_shaped_text_gets_the_forms_answer(value):
    assert _ours(value) == _reference(value)
    if COMMON_EMAIL.fullmatch(value):
        try:
            validate_email(value)
        except ValidationError:  # pragma: no cover - the assertion below says why
            pytest.fail(f"the fast path accepted {value!r}, which Django refuses")
