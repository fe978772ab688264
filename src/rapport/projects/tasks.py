"""Background tasks of projects: sending the emails of task updates."""

from django.tasks import task


@task
def send_update_mail(mail_id: int, attempt: int) -> str:
    """One attempt at one update email (see `rapport.projects.mail.deliver`)."""
    from rapport.projects.mail import deliver

    return deliver(mail_id=mail_id, attempt=attempt)
