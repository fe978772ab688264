"""The update email over real SMTP (aiosmtpd on loopback): who it is from, to whom, the
link back to the task; a mail server that is down: retried, failed, shown to admins on
the outbox page, and sent by "Retry now" once the server is back."""

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.core.errors import Conflict, Forbidden, NotFound
from rapport.core.models import Activity
from rapport.projects import mail as update_mail
from rapport.projects.models import MailStatus, TaskUpdate, UpdateMail
from rapport.projects.services.updates import add_update, retry_update_mail
from tests.net import free_port
from tests.projects import updates_helpers as scene
from tests.projects.updates_helpers import switch_projects_off

pytestmark = pytest.mark.django_db

colleague, bystander, project, phase, task = (
    scene.colleague,
    scene.bystander,
    scene.project,
    scene.phase,
    scene.task,
)


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _smtp(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _smtp(settings, port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(settings):
    """The mail server is unreachable: nothing listens on its port."""
    port = free_port()
    _smtp(settings, port)
    return port


def _task_link(task) -> str:
    return "http://rapport.test" + reverse("task_detail", args=[task.workspace.slug, task.pk])


def _post(actor, task, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return add_update(workspace=actor.workspace, actor=actor, task_id=task.pk, data=data)


def test_an_update_with_notify_reaches_the_members_over_smtp(
    smtp_inbox, member, colleague, task, django_capture_on_commit_callbacks
):
    update = _post(
        member,
        task,
        django_capture_on_commit_callbacks,
        body="Wireframes are ready.\nPlease comment by Friday.",
        minutes=95,
        notify=True,
    )
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["From"] == "Website relaunch <relaunch@acme.test>"
    assert message["X-MailFrom"] == "relaunch@acme.test"
    assert message["Reply-To"] == "member@acme.test"
    assert message["To"] == "colleague@acme.test"
    assert message["X-RcptTo"] == "colleague@acme.test"
    assert message["Subject"] == "[Website relaunch] Wireframes: update by Member"
    text = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert text == (
        "Member posted an update on the task “Wireframes” in the project Website relaunch:\n"
        "\n"
        "Wireframes are ready.\n"
        "Please comment by Friday.\n"
        "\n"
        "Time spent: 95 minutes\n"
        "\n"
        "Open the task:\n"
        f"{_task_link(task)}\n"
        "\n"
        "Reply to this email to answer the author.\n"
        "\n"
    )
    mail = UpdateMail.objects.get(update=update)
    assert (mail.status, mail.attempts, mail.last_error) == (MailStatus.SENT, 1, "")
    assert mail.sent_at is not None


def test_every_other_member_is_a_recipient_of_the_one_message(
    smtp_inbox, member, colleague, bystander, task, django_capture_on_commit_callbacks
):
    task.project.memberships.create(workspace=member.workspace, user=bystander.user)
    _post(member, task, django_capture_on_commit_callbacks, body="All hands.", notify=True)
    (message,) = smtp_inbox.messages
    assert message["X-RcptTo"] == "bystander@acme.test, colleague@acme.test"
    assert "member@acme.test" not in message["X-RcptTo"]


def test_an_update_without_notify_sends_nothing(
    smtp_inbox, member, colleague, task, django_capture_on_commit_callbacks
):
    _post(member, task, django_capture_on_commit_callbacks, body="Quiet note.")
    assert smtp_inbox.messages == []
    assert not UpdateMail.objects.exists()


def test_a_refused_update_sends_nothing(
    smtp_inbox, member, colleague, task, django_capture_on_commit_callbacks
):
    with pytest.raises(Exception, match="Check these fields"):
        _post(member, task, django_capture_on_commit_callbacks, body="", notify=True)
    assert smtp_inbox.messages == []
    assert not UpdateMail.objects.exists()


def test_names_with_line_breaks_still_make_one_line_headers(
    smtp_inbox, member, colleague, task, django_capture_on_commit_callbacks
):
    task.title = "Wire\nframes"
    task.save(update_fields=["title"])
    _post(member, task, django_capture_on_commit_callbacks, body="Hi.", notify=True)
    (message,) = smtp_inbox.messages
    assert message["Subject"] == "[Website relaunch] Wire frames: update by Member"


# --- failures --------------------------------------------------------------------------


def test_a_server_that_is_down_is_retried_then_the_mail_fails_visibly(
    smtp_down, member, colleague, task, django_capture_on_commit_callbacks
):
    update = _post(member, task, django_capture_on_commit_callbacks, body="Hello?", notify=True)
    # The immediate backend cannot defer, so every retry runs at once.
    mail = UpdateMail.objects.get(update=update)
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, update_mail.MAX_ATTEMPTS)
    assert mail.last_error.startswith("ConnectionRefusedError")
    # The update itself stands.
    assert TaskUpdate.objects.filter(pk=update.pk).exists()


def test_retries_wait_longer_each_time():
    waits = [update_mail.backoff(n).total_seconds() / 60 for n in range(1, 5)]
    assert waits == [1, 5, 25, 125]


def test_a_deferring_backend_gets_the_retry_later(member, colleague, task, settings, smtp_down):
    """With a queue that can wait (the database one in production), a failure is not
    retried at once: the next attempt is enqueued to run after the backoff."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    update = add_update(
        workspace=member.workspace, actor=member, task_id=task.pk, data={"body": "Later."}
    )
    mail = UpdateMail.objects.create(
        workspace=member.workspace, update=update, recipients=["colleague@acme.test"]
    )
    assert update_mail.deliver(mail_id=mail.pk, attempt=1) == "retrying"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 1)
    job = DBTaskResult.objects.get()
    assert job.args_kwargs["kwargs"] == {"mail_id": mail.pk, "attempt": 2}
    assert job.run_after > mail.created_at


def test_an_attempt_someone_else_claimed_does_not_send_twice(smtp_inbox, member, colleague, task):
    update = add_update(
        workspace=member.workspace, actor=member, task_id=task.pk, data={"body": "Once."}
    )
    mail = UpdateMail.objects.create(
        workspace=member.workspace, update=update, recipients=["colleague@acme.test"]
    )
    assert update_mail.deliver(mail_id=mail.pk, attempt=1) == "sent"
    assert update_mail.deliver(mail_id=mail.pk, attempt=1) == "skipped"
    assert len(smtp_inbox.messages) == 1


def _failed_mail(member, task, settings, django_capture_on_commit_callbacks) -> UpdateMail:
    _smtp(settings, free_port())
    update = _post(member, task, django_capture_on_commit_callbacks, body="Lost?", notify=True)
    return UpdateMail.objects.get(update=update)


def test_the_outbox_shows_failed_mail_to_admins_and_retry_sends_it(
    client, settings, admin, member, colleague, task, django_capture_on_commit_callbacks
):
    mail = _failed_mail(member, task, settings, django_capture_on_commit_callbacks)
    assert mail.status == MailStatus.FAILED

    client.force_login(admin.user)
    outbox = reverse("update_mail_outbox", args=[admin.workspace.slug])
    page = client.get(outbox)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-mail="{mail.pk}"' in html
    assert "ConnectionRefusedError" in html
    assert "colleague@acme.test" in html
    assert "Retry now" in html

    # The mail server is back.
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _smtp(settings, port)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("update_mail_retry", args=[admin.workspace.slug, mail.pk])
            )
        assert response.status_code == 302
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.last_error) == (
        MailStatus.SENT,
        update_mail.MAX_ATTEMPTS + 1,
        "",
    )
    assert Activity.objects.filter(verb="task.update_mail_retried").count() == 1
    assert f'data-mail="{mail.pk}"' not in client.get(outbox).content.decode()


def test_a_manual_retry_that_fails_again_goes_back_to_failed(
    settings, admin, member, colleague, task, django_capture_on_commit_callbacks
):
    mail = _failed_mail(member, task, settings, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        retry_update_mail(workspace=admin.workspace, actor=admin, mail_id=mail.pk)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, update_mail.MAX_ATTEMPTS + 1)


def test_only_admins_see_the_outbox_and_retry(
    client, settings, member, colleague, task, django_capture_on_commit_callbacks
):
    mail = _failed_mail(member, task, settings, django_capture_on_commit_callbacks)
    client.force_login(member.user)
    slug = member.workspace.slug
    assert client.get(reverse("update_mail_outbox", args=[slug])).status_code == 403
    assert client.post(reverse("update_mail_retry", args=[slug, mail.pk])).status_code == 403
    with pytest.raises(Forbidden):
        retry_update_mail(workspace=member.workspace, actor=member, mail_id=mail.pk)
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED


def test_another_workspaces_mail_is_404(
    client, settings, outsider, member, colleague, task, django_capture_on_commit_callbacks
):
    mail = _failed_mail(member, task, settings, django_capture_on_commit_callbacks)
    client.force_login(outsider.user)
    theirs = outsider.workspace.slug
    assert client.post(reverse("update_mail_retry", args=[theirs, mail.pk])).status_code == 404
    assert (
        f'data-mail="{mail.pk}"'
        not in client.get(reverse("update_mail_outbox", args=[theirs])).content.decode()
    )
    with pytest.raises(NotFound):
        retry_update_mail(workspace=outsider.workspace, actor=outsider, mail_id=mail.pk)


def test_a_sent_mail_cannot_be_retried(
    smtp_inbox, admin, member, colleague, task, django_capture_on_commit_callbacks
):
    update = _post(member, task, django_capture_on_commit_callbacks, body="Sent.", notify=True)
    mail = UpdateMail.objects.get(update=update)
    with pytest.raises(Conflict):
        retry_update_mail(workspace=admin.workspace, actor=admin, mail_id=mail.pk)
    assert len(smtp_inbox.messages) == 1


def test_the_outbox_is_404_with_the_module_off(client, admin, workspace):
    switch_projects_off(workspace)
    client.force_login(admin.user)
    assert client.get(reverse("update_mail_outbox", args=[workspace.slug])).status_code == 404


def test_the_outbox_costs_the_same_at_2_and_20_mails(client, admin, member, colleague, task):
    def fill(n):
        for i in range(n):
            update = TaskUpdate.objects.create(
                workspace=member.workspace, task=task, author=member.user, body=f"U{i}"
            )
            UpdateMail.objects.create(
                workspace=member.workspace,
                update=update,
                recipients=["colleague@acme.test"],
                status=MailStatus.FAILED,
                attempts=5,
                last_error="SMTPServerDisconnected: gone",
            )

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode().count("data-mail=")

    client.force_login(admin.user)
    url = reverse("update_mail_outbox", args=[admin.workspace.slug])
    fill(2)
    client.get(url)
    few, shown = count_queries()
    assert shown == 2
    fill(18)
    assert count_queries() == (few, 20)
