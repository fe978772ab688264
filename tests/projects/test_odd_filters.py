"""Filter values that look like digits to Python but are not ASCII ("²", "٣") are no
server error on My tasks and the board: an odd filter is ignored, an odd user is nobody."""

import pytest

from tests.core.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("tasks/?category=%C2%B2", 200),
        ("tasks/?project=%C2%B2", 200),
        ("tasks/?user=%C2%B2", 404),
        ("board/?assignee=%C2%B2", 200),
        ("board/?project=%D9%A3", 200),
    ],
)
def test_a_unicode_digit_in_a_filter_is_no_error(client, owner, path, status):
    client.login(email=owner.user.email, password=PASSWORD)
    assert client.get(f"/w/{owner.workspace.slug}/{path}").status_code == status
