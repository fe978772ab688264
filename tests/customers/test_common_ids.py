"""The one id parser and id-list parser every service uses."""

import pytest

from rapport.core.errors import Errors
from rapport.customers.services._common import id_list, parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(7, 7), ("7", 7), (" 12 ", 12), ("0", None), (0, None), (-3, None), ("1e3", None),
     ("٣", None), (True, None), (None, None), (2**63, None), ("9" * 19, None), (1.0, None)],
)  # fmt: skip
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected


def test_id_list_keeps_order_and_drops_repeats():
    errors = Errors()
    assert id_list(errors, {"ids": ["3", 1, 3, " 2"]}, "ids") == [3, 1, 2]
    assert errors.items == []


def test_id_list_absent_cleared_and_wrong():
    errors = Errors()
    assert id_list(errors, {}, "ids") is None
    assert id_list(errors, {"ids": None}, "ids") == []
    assert errors.items == []
    assert id_list(errors, {"ids": "1,2"}, "ids") is None
    assert id_list(errors, {"ids": [1, "x"]}, "ids") is None
    assert [e["message"] for e in errors.items] == ["Give a list of ids.", "Give a list of ids."]


def test_id_list_refuses_more_than_the_limit_before_parsing_them():
    errors = Errors()
    assert id_list(errors, {"ids": [1] * 6}, "ids", limit=5) is None
    assert errors.items == [{"field": "ids", "message": "Give at most 5."}]
    assert id_list(Errors(), {"ids": (1, 2, 3, 4, 5)}, "ids", limit=5) == [1, 2, 3, 4, 5]
