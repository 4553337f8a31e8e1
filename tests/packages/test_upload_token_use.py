"""An upload records when and from where its token was last used, to the minute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import TokenFactory
from tests.packages.conftest import basic_auth, wheel
from tokens.models import Token

pytestmark = pytest.mark.django_db


def _upload(client, auth: str, version: str, ip: str = "127.0.0.1") -> None:
    response = client.post(
        "/legacy/", wheel("stamp-pkg", version).form(), HTTP_AUTHORIZATION=auth, REMOTE_ADDR=ip
    )
    assert response.status_code == 200, response.reason_phrase


def test_last_use_is_written_once_a_minute_or_from_a_new_address(client, owner) -> None:
    token = TokenFactory(user=owner)
    auth = basic_auth("__token__", token.raw)

    _upload(client, auth, "1.0")
    first = Token.objects.get(pk=token.pk).last_used_at
    assert first is not None

    _upload(client, auth, "1.1")  # seconds later, same address: the stamp stands
    assert Token.objects.get(pk=token.pk).last_used_at == first

    _upload(client, auth, "1.2", ip="192.0.2.7")  # another address is recorded at once
    used = Token.objects.get(pk=token.pk)
    assert used.last_used_ip == "192.0.2.7" and used.last_used_at > first

    earlier = timezone.now() - dt.timedelta(minutes=2)
    Token.objects.filter(pk=token.pk).update(last_used_at=earlier)
    _upload(client, auth, "1.3", ip="192.0.2.7")  # a minute on: written again
    assert Token.objects.get(pk=token.pk).last_used_at > earlier
