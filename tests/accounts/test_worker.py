"""Mail really goes through celery: a worker thread on the configured broker delivers it."""

from __future__ import annotations

import time

import pytest
from celery.signals import task_prerun
from django.core import mail

from accounts.models import User
from config.celery import app as celery_app
from tests.accounts.conftest import signup_data


def wait_for_mail(count: int, seconds: float = 15) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(mail.outbox) >= count:
            return mail.outbox
        time.sleep(0.1)
    return mail.outbox


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_signup_verification_mail_is_delivered_by_the_worker(celery_worker, client, mailoutbox):
    assert celery_app.conf.task_always_eager is False  # the task goes through the broker
    ran = []

    def record(sender=None, task=None, **kwargs):
        ran.append((task.name, task.request.is_eager, task.request.hostname))

    task_prerun.connect(record, weak=False)
    try:
        response = client.post("/accounts/signup/", signup_data())
        delivered = wait_for_mail(1)
    finally:
        task_prerun.disconnect(record)

    assert response.status_code == 302
    assert User.objects.filter(username="Alice").exists()
    # The mail went out through the deliver_email task, run by the worker off the broker
    # (not eagerly in the request, and not sent straight from the view).
    ((name, eager, hostname),) = ran
    assert name == "accounts.tasks.deliver_email"
    assert eager is False and hostname
    assert [m.to for m in delivered] == [["alice@example.com"]]
    assert "/accounts/confirm-email/" in delivered[0].body
