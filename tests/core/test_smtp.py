"""One real SMTP exchange: an invitation leaves through smtplib and lands in aiosmtpd."""

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from rapport.core import services
from tests.net import free_port

pytestmark = pytest.mark.django_db


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield inbox
    finally:
        controller.stop()


def test_an_invitation_is_delivered_over_smtp(
    smtp_inbox, workspace, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _inv, raw = services.invitation_create(
            workspace=workspace, actor=admin, email="guest@elsewhere.test", role="member"
        )
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == "guest@elsewhere.test"
    assert message["Subject"] == "You are invited to Acme on Rapport"
    assert f"http://rapport.test/invite/{raw}/" in message.get_payload(decode=True).decode()


def test_an_invitation_the_mail_server_refuses_saves_nothing(workspace, admin, settings):
    from rapport.core.errors import Unavailable
    from rapport.core.models import Activity, Invitation

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},
        }
    }
    with pytest.raises(Unavailable):
        services.invitation_create(workspace=workspace, actor=admin, email="lost@nowhere.test")
    assert not Invitation.objects.filter(email="lost@nowhere.test").exists()
    assert not Activity.objects.filter(verb="member.invited").exists()
