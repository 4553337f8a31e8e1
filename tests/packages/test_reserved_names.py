"""Issue 14 #7: the standard library's module names (and the index's own list) can't be taken."""

from __future__ import annotations

import pytest

from packages.models import Project
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["subprocess", "asyncio", "Tkinter", "importlib", "zoneinfo"])
def test_standard_library_names_cannot_be_registered(client, user, name):
    response = upload(client, wheel(name=name), user.username)
    assert response.status_code == 400, response.content
    assert f"the name {name!r} is reserved" in response.reason_phrase
    assert "standard library" in response.reason_phrase
    assert "choose a different name" in response.reason_phrase
    assert not Project.objects.exists()


def test_the_reserved_list_is_a_setting(client, user, settings):
    settings.RESERVED_PROJECT_NAMES = ["acme-internal"]
    response = upload(client, wheel(name="Acme_Internal"), user.username)
    assert response.status_code == 400
    assert "reserved by this index's administrators" in response.reason_phrase
    assert upload(client, wheel(name="pypi"), user.username).status_code == 200


def test_ordinary_names_that_contain_a_module_name_are_fine(client, user):
    assert upload(client, wheel(name="asyncio-tools"), user.username).status_code == 200
