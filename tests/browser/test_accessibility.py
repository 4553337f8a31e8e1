"""axe-core on the main pages, signed out, signed in and in the admin: no critical or
serious violation; each page also fits a 390 px phone screen without sideways scrolling.
Screenshots of the main pages land in var/screenshots/ (a few are committed under docs/).
"""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_version

from packages.models import Role
from tests.browser.conftest import (
    PHONE,
    axe,
    describe,
    horizontal_overflow,
    screenshot,
    signed_in_as,
    widest_elements,
)
from tests.factories import (
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    TicketFactory,
    TokenFactory,
    UserFactory,
)

README = """# Harbour lights

![build status](https://ci.example/badge.svg)

Lights that **guide** boats home.

## Install

```python
import harbour_lights
harbour_lights.shine()
```

| Option | Meaning |
|---|---|
| `colour` | the light's colour, e.g. a very long value that would push a narrow table wide |

[](#empty-anchor) See [the docs](https://docs.example/harbour-lights/).
"""

PUBLIC = [
    ("home", "/"),
    ("search", "/search/?q=harbour"),
    ("search-empty", "/search/?q=no-such-thing-anywhere"),
    ("projects", "/projects/"),
    ("project", "/project/harbour-lights/"),
    ("project-release", "/project/harbour-lights/0.1.0/"),
    ("sign-in", "/accounts/login/"),
    ("sign-up", "/accounts/signup/"),
    ("recovery", "/recovery/"),
    ("not-found", "/project/no-such-project/"),
]
SIGNED_IN = [
    ("account", "/manage/account/"),
    ("sessions", "/manage/account/sessions/"),
    ("two-factor", "/manage/account/two-factor/"),
    ("tokens", "/manage/account/tokens/"),
    ("token-new", "/manage/account/tokens/new/"),
    ("your-projects", "/manage/projects/"),
    ("manage-project", "/manage/project/harbour-lights/"),
    ("collaborators", "/manage/project/harbour-lights/collaboration/"),
    ("manage-release", "/manage/project/harbour-lights/release/0.2.0/"),
    ("email", "/accounts/email/"),
]
ADMIN = [
    ("admin", "/admin/"),
    ("admin-tickets", "/admin/recovery/ticket/"),
    ("admin-ticket", "/admin/recovery/ticket/{ticket}/change/"),
    ("admin-users", "/admin/accounts/user/"),
]


@pytest.fixture
def harbour(db):
    owner = UserFactory(username="keeper", verified=True, with_totp=True)
    project = ProjectFactory(name="harbour-lights")
    RoleFactory(project=project, user=owner, role=Role.Kind.OWNER)
    RoleFactory(project=project, user=UserFactory(verified=True), role=Role.Kind.MAINTAINER)
    for version in ("0.1.0", "0.2.0"):
        release = ReleaseFactory(
            project=project,
            version=version,
            canonical_version=canonicalize_version(version),
            summary="Lights that guide boats home",
            description=README,
            description_content_type="text/markdown",
            requires_python=">=3.10",
            license_expression="MIT",
            classifiers=["Programming Language :: Python :: 3", "License :: OSI Approved"],
            project_urls={"Source": "https://code.example/keeper/harbour-lights"},
        )
        FileFactory(release=release)
    TokenFactory(user=owner, name="CI", projects=[project])
    return owner


def check(page, site: str, name: str, path: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(site + path)
    assert response is not None
    violations = axe(page)
    assert not violations, f"{path}:\n{describe(violations)}"
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) <= 0, f"{path} at 390 px: {widest_elements(page)}"


@pytest.mark.parametrize(("name", "path"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_pages(page, site, harbour, name, path):
    check(page, site, name, path)


def test_signed_in_pages(page, site, harbour):
    signed_in_as(page, site, harbour)
    for name, path in SIGNED_IN:
        check(page, site, name, path)


def test_admin_pages(page, site, harbour):
    staff = UserFactory(verified=True, staff=True, is_superuser=True, with_totp=True)
    ticket = TicketFactory(account=harbour, claimed_account=harbour.username)
    signed_in_as(page, site, staff)
    for name, path in ADMIN:
        check(page, site, name, path.format(ticket=ticket.pk))
