"""Every URL of the site, with real and junk path values and junk input: never a 5xx.

The routes come from config.urls itself, so a new page is crawled without being listed here.
Each route is requested by an anonymous visitor and by a signed-in, re-authenticated owner of
a project with a release and a file: GET (plain and with a junk query string), then POSTs of
junk form data (empty, huge, NUL bytes, repeated values, unicode, a junk file, wrong-typed and
broken JSON) on the fields of the page's own forms and every `action` its forms name.
Staff get the admin index, every changelist (with junk filters), and add/change pages.
"""

from __future__ import annotations

import base64
import contextlib
import html as html_lib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import WebAuthnDevice
from organizations.models import OrganizationInvitation
from packages.models import File, Project, Role, RoleInvitation
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import (
    OrganizationFactory,
    OrganizationRoleFactory,
    OrganizationTokenFactory,
    ProjectFactory,
    RoleFactory,
    TeamFactory,
    TeamMemberFactory,
    TeamProjectRoleFactory,
    TicketFactory,
    TokenFactory,
    UserFactory,
)
from tests.packages.conftest import basic_auth, upload, wheel
from tests.softwebauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db

HUGE = "x" * 20_000
# Junk for a path segment; the non-normalized spellings of real values go here too, since
# they only redirect (GET and an empty POST are enough).
JUNK_SEGMENTS = ["x" * 300, "..", "%00", "ünïcødé-☃", "-1", "%ff%fe", "Demo_Pkg", "1.0.0"]
JUNK_INTS = ["0", "99999999999999999999"]
JUNK_PATHS = ["../../etc/passwd", "ab/%00/x.whl", "x" * 300 + "/y"]
JUNK_QUERY = "?next=//evil.example/&page=-1&q=%00&o=x&p=99999999999999999999&format=%ff&all="
# Fields no page may offer but handlers read anyway.
COMMON_FIELDS = [
    "action",
    "confirm",
    "name",
    "projects",
    "expires_at",
    "password",
    "email",
    "login",
    "username",
    "code",
    "otp_token",
    "token",
    "reason",
    "release",
    "file",
    "user",
    "role",
    "invitation",
    "team",
    "project",
    "display_name",
    "link",
    "description",
    "keep_roles",
    "require_two_factor",
    "show_members",
    "message",
    "next",
    "credential",
    ":action",
    "protocol_version",
    "version",
    "content",
    "sha256_digest",
    # recovery ticket actions in the admin
    "assignee",
    "challenge",
    "note",
    "question",
    "remedies",
    "repository_url",
]


@dataclass(frozen=True)
class Route:
    template: str  # "/simple/{name}/"
    converters: dict[str, str]  # param -> "str" | "int" | "path" | "regex"


def _piece(pattern) -> tuple[str, dict[str, str]]:
    text = str(pattern.pattern)
    converters: dict[str, str] = {}
    if text.startswith("^") or text.endswith("$"):
        text = text.lstrip("^").rstrip("$")
        for name in re.findall(r"\(\?P<(\w+)>", text):
            converters[name] = "regex"
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    else:
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", text):
            converters[name] = converter or "str"
        text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return text, converters


def _walk(patterns, prefix: str = "", converters: dict | None = None) -> Iterator[Route]:
    for pattern in patterns:
        text, found = _piece(pattern)
        merged = {**(converters or {}), **found}
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + text, merged)
        elif isinstance(pattern, URLPattern):
            yield Route("/" + prefix + text, merged)


def site_routes() -> list[Route]:
    """Every route of config.urls except the admin (crawled with a staff client below)."""
    routes = {r.template: r for r in _walk(get_resolver().url_patterns)}
    return [r for t, r in sorted(routes.items()) if not t.startswith("/admin/")]


@dataclass
class World:
    owner: object
    maintainer: object
    values: dict[str, list[str]]
    upload_auth: str


@pytest.fixture
def world(client) -> World:
    """A verified owner of demo-pkg 1.0 (one wheel), with a token, a key and an invitation."""
    owner = UserFactory(verified=True)
    response = upload(client, wheel("demo-pkg", "1.0"), owner.username)
    assert response.status_code == 200, response.reason_phrase
    file = File.objects.get()
    token = TokenFactory(user=owner)
    upload_token = TokenFactory(user=owner, name="uploads")  # the crawl revokes `token`
    key = WebAuthnDevice.objects.create(
        user=owner,
        name="key",
        credential_id="AAAA",
        credential_data=SoftAuthenticator().credential_data(),
    )
    maintainer = UserFactory(verified=True)
    RoleFactory(project=file.release.project, user=maintainer, role=Role.Kind.MAINTAINER)
    other = ProjectFactory(name="other-pkg")
    RoleFactory(project=other, user=UserFactory(verified=True), role=Role.Kind.OWNER)
    invitation = RoleInvitation.objects.create(
        project=other,
        invitee=owner,
        role=Role.Kind.MAINTAINER,
        expires_at=file.upload_time.replace(year=2100),
    )
    # An organization the owner runs, with a team, a project, a token and an invitation.
    organization = OrganizationFactory(name="demo-org")
    OrganizationRoleFactory(organization=organization, user=owner, role="Owner")
    OrganizationRoleFactory(organization=organization, user=maintainer, role="Member")
    team = TeamFactory(organization=organization, name="core")
    TeamMemberFactory(team=team, user=maintainer)
    org_project = ProjectFactory(name="org-pkg", organization=organization)
    TeamProjectRoleFactory(team=team, project=org_project)
    org_token = OrganizationTokenFactory(organization=organization, created_by=owner)
    org_invitation = OrganizationInvitation.objects.create(
        organization=OrganizationFactory(name="other-org"),
        invitee=owner,
        role="Member",
        expires_at=file.upload_time.replace(year=2100),
    )
    links = _recovery_links()
    values = {
        "token": links,
        "key": [_email_confirmation_key(owner), default_token_generator.make_token(owner)],
        "uidb36": [user_pk_to_url_str(owner)],
        "name": ["demo-pkg"],
        "version": ["1.0"],
        "path": [file.path, file.path + ".metadata"],
        "token_id": [str(token.pk), str(org_token.pk)],
        "pk": [str(token.pk), str(key.pk)],
        "invitation_id": [
            str(invitation.pk),
            f"project-{invitation.pk}",
            f"organization-{org_invitation.pk}",
        ],
        "org": ["demo-org"],
        "team": ["core"],
        "project": ["org-pkg"],
        "answer": ["accept", "decline"],
        "username": [owner.username],
        "app_label": ["packages"],
    }
    upload_auth = basic_auth("__token__", upload_token.raw)
    return World(owner=owner, maintainer=maintainer, values=values, upload_auth=upload_auth)


def _recovery_links() -> list[str]:
    """Live recovery links, one per purpose, for a ticket on another account."""
    from recovery.models import TicketLink
    from recovery.services.shared import _issue_link

    ticket = TicketFactory()
    return [
        _issue_link(
            ticket=ticket, purpose=purpose, sent_to=ticket.contact_email, lifetime=timedelta(days=1)
        )
        .rstrip("/")
        .rsplit("/", 1)[-1]
        for purpose in TicketLink.Purpose.values
    ]


def _email_confirmation_key(user) -> str:
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    unverified = EmailAddress.objects.create(user=user, email="second@example.org")
    return EmailConfirmationHMAC(unverified).key


def fillings(route: Route, world: World) -> Iterator[tuple[str, bool]]:
    """(url, uses only real values) for the route's real values, then junk in each slot."""
    names = list(route.converters)
    if not names:
        yield route.template, True
        return
    real = {name: world.values.get(name, ["x"]) for name in names}
    for i in range(max(len(v) for v in real.values())):
        yield route.template.format(**{n: v[i % len(v)] for n, v in real.items()}), True
    for name in names:
        kind = route.converters[name]
        junk = {"int": JUNK_INTS, "path": JUNK_PATHS + JUNK_SEGMENTS}.get(kind, JUNK_SEGMENTS)
        for value in junk:
            args = {n: real[n][0] for n in names}
            args[name] = quote(value, safe="%/" if kind == "path" else "%")
            yield route.template.format(**args), False


def form_fields(html: str) -> tuple[list[str], list[str]]:
    """The field names and the `action` values of a page's forms."""
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)
    actions = re.findall(r'name="action"\s+value="([^"]+)"', html)
    actions += re.findall(r'value="([^"]+)"\s+name="action"', html)
    return sorted(set(names) - {"csrfmiddlewaretoken"}), sorted(set(actions))


def page_forms(html: str) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Each POST form of a page: where it posts ("" = the page), its hidden fields with their
    values, and the fields a person fills in with a plausible value (a select's first option)."""
    forms = []
    for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", html, re.S | re.I):
        if 'method="post"' not in attrs.lower():
            continue
        target = re.search(r'\baction="(/[^"]*)"', attrs)
        hidden: dict[str, str] = {}
        others: dict[str, str] = {}
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", body):
            name = re.search(r'\bname="([^"]+)"', tag)
            if name is None or name.group(1) == "csrfmiddlewaretoken":
                continue
            value = re.search(r'\bvalue="([^"]*)"', tag)
            if 'type="hidden"' in tag and value is not None:
                hidden[name.group(1)] = html_lib.unescape(value.group(1))
            else:
                others[name.group(1)] = html_lib.unescape(value.group(1)) if value else "x"
        for tag, options in re.findall(r"(<select\b[^>]*>)(.*?)</select>", body, re.S):
            name = re.search(r'\bname="([^"]+)"', tag)
            first = re.search(r'<option[^>]*\bvalue="([^"]+)"', options)
            if name is not None:
                others[name.group(1)] = html_lib.unescape(first.group(1)) if first else "x"
        forms.append((html_lib.unescape(target.group(1)) if target else "", hidden, others))
    return forms


def submit_forms(crawler: Crawler, client: Client, url: str, html: str) -> None:
    """The page's own forms as a person would submit them: real hidden ids, plausible values,
    and junk in one field at a time (then in all of them: empty, huge).

    NUL first: a write that stores it fails there, before an accepted value changes the state.
    """
    for target, hidden, others in page_forms(html):
        if "logout" in target:
            continue  # the sign-out in every page's header: crawled as a route of its own
        # Django's admin takes a tampered action checkbox for an id (a 500 it owns; staff only).
        fields = [field for field in others if field != "_selected_action"]
        tries = [(f"{field}=nul", {**others, field: "a\x00b"}) for field in fields]
        tries += [("empty", dict.fromkeys(others, "")), ("huge", dict.fromkeys(others, HUGE))]
        for label, typed in tries:
            data = {**typed, **hidden}
            crawler.send(client, "post", target or url, f"form {hidden} {label}", data=data)


def junk_posts(fields: list[str], actions: list[str]) -> Iterator[tuple[str, dict]]:
    """(label, client.post kwargs) for each kind of junk."""
    fields = sorted(set(fields) | set(COMMON_FIELDS))
    yield "empty", {"data": {}}
    for label, value in [
        ("huge", HUGE),
        ("nul", "a\x00b"),
        ("unicode", "\u202e☃<script>"),
        ("overflow", "99999999999999999999"),
    ]:
        yield label, {"data": dict.fromkeys(fields, value)}
    yield "repeated", {"data": {f: ["1", "2"] for f in fields}}
    yield "file", {"data": {f: SimpleUploadedFile("x.whl", b"\x00junk") for f in fields}}
    wrong_types = {f: [1, {"a": None}] for f in fields}
    yield "json", {"data": json.dumps(wrong_types), "content_type": "application/json"}
    yield "json-list", {"data": "[1, 2]", "content_type": "application/json"}
    yield "broken-json", {"data": '{"name": ', "content_type": "application/json"}
    for action in actions:
        for label, value in [("huge", HUGE), ("nul", "a\x00b"), ("word", "x")]:
            yield (
                f"action={action}:{label}",
                {"data": {**dict.fromkeys(fields, value), "action": action}},
            )


def api_posts() -> Iterator[tuple[str, dict]]:
    """The API's own fields, plausible but for a NUL byte in one of them."""
    for field, value in [
        ("username", "a\x00b"),
        ("name", "a\x00b"),
        ("projects", ["a\x00b"]),
        ("role", "Owner\x00"),
        ("expires_at", "2030-01-01T00:00:00\x00"),
    ]:
        api = {"username": "x", "role": "Maintainer", "name": "x", "projects": [], field: value}
        yield f"json {field}=nul", {"data": json.dumps(api), "content_type": "application/json"}


def junk_uploads() -> Iterator[tuple[str, dict]]:
    """twine-shaped uploads to demo-pkg with one field at a time made junk."""
    good = wheel("demo-pkg", "9.0").form()
    for field in [f for f in good if f != ":action"]:
        for label, value in [
            ("missing", None),
            ("huge", HUGE),
            ("nul", "a\x00b"),
            ("unicode", "☃"),
            ("junk file", SimpleUploadedFile("demo_pkg-9.0-py3-none-any.whl", b"PK\x00junk")),
        ]:
            data = {**good, "content": wheel("demo-pkg", "9.0").form()["content"]}
            if value is None:
                del data[field]
            else:
                data[field] = value
            yield f"upload {field}={label}", data


class Crawler:
    def __init__(self, client_factory, upload_auth: str = "") -> None:
        self.client_factory = client_factory
        self.upload_auth = upload_auth
        self.failures: list[str] = []
        self.statuses: dict[str, int] = {}  # first GET of each url with real values
        self.requests = 0

    def send(self, client: Client, method: str, url: str, label: str = "", **kwargs):
        self.requests += 1
        try:
            response = getattr(client, method)(url, **kwargs)
        except Exception as error:  # the test client re-raises what became a 500
            self.failures.append(f"{method.upper()} {url} [{label}]: {error!r}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url} [{label}]: {response.status_code}")
        return response

    def crawl(self, url: str, real: bool) -> None:
        client = self.client_factory()
        if url.startswith("/legacy/") and self.upload_auth:
            # Past authentication, so the junk reaches the upload's own checks.
            client.defaults["HTTP_AUTHORIZATION"] = self.upload_auth
        page = self.send(client, "get", url, "get")
        if real and page is not None:
            self.statuses[url] = page.status_code
            if page.status_code == 302 and page["Location"].startswith("/accounts/login/"):
                real = False  # the sign-in gate answers every method alike: one POST will do
        if real:
            self.send(client, "get", url + JUNK_QUERY, "junk query")
        html = ""
        if page is not None and "html" in page.get("Content-Type", ""):
            html = page.content.decode(errors="replace")
        fields, actions = form_fields(html)
        posts = junk_posts(fields, actions) if real else [("empty", {"data": {}})]
        if real and url.startswith("/api/"):
            posts = [*posts, *api_posts()]
        for label, kwargs in posts:
            self.send(client, "post", url, label, **kwargs)
        if real:
            submit_forms(self, client, url, html)
        if url.startswith("/legacy/") and real:
            for label, data in junk_uploads():
                self.send(client, "post", url, label, data=data)
        if real:
            self.send(client, "delete", url, "delete")
            self.send(client, "head", url, "head")
            self.send(client, "options", url, "options")
            for method in ("put", "patch"):
                body = json.dumps({"name": ["x"], "role": None, "expires_at": "x" * 300})
                self.send(client, method, url, method, data=body, content_type="application/json")


def _owner_client(owner):
    def make() -> Client:
        # A fresh session per route: junk POSTs may sign out or drop re-authentication.
        return mark_reauthenticated(login_verified(Client(), owner))

    return make


def _maintainer_client(maintainer):
    def make() -> Client:
        # A junk POST with action=leave really leaves: back on the project for the next route.
        Role.objects.get_or_create(
            project=Project.objects.get(normalized_name="demo-pkg"),
            user=maintainer,
            defaults={"role": Role.Kind.MAINTAINER},
        )
        # Password only: no second factor, no recent re-authentication.
        client = Client()
        client.force_login(maintainer, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.mark.parametrize(
    ("who", "half"), [("anonymous", None), ("owner", 0), ("owner", 1), ("maintainer", None)]
)
def test_every_route_answers_junk_without_a_server_error(who, half, world):
    make = {
        "anonymous": Client,
        "owner": _owner_client(world.owner),
        "maintainer": _maintainer_client(world.maintainer),
    }[who]
    crawler = Crawler(make, world.upload_auth if who == "owner" else "")
    routes = site_routes()
    assert len(routes) > 60  # the walk found the site
    # The owner's crawl is the longest: halves run in parallel under pytest-xdist.
    for route in routes if half is None else routes[half::2]:
        for url, real in fillings(route, world):
            if real or who != "maintainer":  # junk in the path is refused before any role
                crawler.crawl(url, real)
    assert crawler.failures == [], "\n".join(crawler.failures)
    assert crawler.requests > 500
    # The real values were real: pages that need them answered.
    expected = {
        "/simple/demo-pkg/": 200,
        f"/recovery/cancel/{world.values['token'][1]}/": 200,
        "/manage/project/demo-pkg/release/1.0/": 302 if who == "anonymous" else 200,
        "/api/v1/projects/demo-pkg/roles/": 401 if who == "anonymous" else 200,
    }
    if who != "maintainer":  # a Member of demo-org, whose crawl may leave it (the junk posts)
        expected |= {
            "/org/demo-org/": 200,
            "/manage/organization/demo-org/": 302 if who == "anonymous" else 200,
            "/manage/organization/demo-org/teams/": 302 if who == "anonymous" else 200,
            "/api/v1/organizations/demo-org/": 401 if who == "anonymous" else 200,
            "/api/v1/organizations/demo-org/members/": 401 if who == "anonymous" else 200,
        }
    seen = {url: crawler.statuses[url] for url in expected if url in crawler.statuses}
    assert seen == {url: expected[url] for url in seen} and seen


ADMIN_ACTIONS = ["assign", "note", "request_info", "approve", "reject", "spam", "challenge",
                 "check_challenge", "x"]  # fmt: skip


def admin_fillings(route: Route) -> Iterator[tuple[str, bool]]:
    """An admin route with the first object of its model, then junk ids; every ticket action."""
    parts = route.template.split("/")  # "", "admin", app, model, ...
    model = None
    if len(parts) > 4 and "{" not in parts[2] + parts[3]:
        with contextlib.suppress(LookupError):
            model = apps.get_model(parts[2], parts[3])
    first = model._default_manager.order_by("pk").first() if model else None
    ids = ([str(first.pk)] if first else []) + ["x", "99999999999999999999"]
    names = list(route.converters)
    if not names:
        yield route.template, True
        return
    for object_id in ids:
        for action in ADMIN_ACTIONS if "action" in names else [""]:
            values = {"object_id": object_id, "id": object_id, "pk": object_id, "action": action}
            values["app_label"] = "packages"
            values["url"] = "nonexistent/" + object_id
            values["content_type_id"] = "1"  # /admin/r/<content_type_id>/<object_id>/
            args = {n: values.get(n, object_id) for n in names}
            yield route.template.format(**args), object_id == ids[0]


def test_admin_pages_answer_junk_without_a_server_error(staff, staff_client, world):
    # A fresh session per page: a junk POST may sign the staff member out.
    crawler = Crawler(lambda: login_verified(Client(), staff))
    assert crawler.send(staff_client, "get", "/admin/", "index").status_code == 200
    routes = [r for r in _walk(get_resolver().url_patterns) if r.template.startswith("/admin/")]
    assert len(routes) > 50
    for route in routes:
        for url, real in admin_fillings(route):
            client = crawler.client_factory()
            page = crawler.send(client, "get", url, "get")
            if route.template.endswith("/delete/") and real:
                continue  # a POST there is the confirmation: it would really delete
            if real and page is not None and "html" in page.get("Content-Type", ""):
                submit_forms(crawler, client, url, page.content.decode(errors="replace"))
            data = {
                **dict.fromkeys(COMMON_FIELDS, "x"),
                "action": "x",
                "_selected_action": ["x", "\x00"],
                "q": HUGE,
            }
            crawler.send(client, "post", url, "junk post", data=data)
            if real:
                crawler.send(client, "get", url + JUNK_QUERY, "junk query")
                nul = dict.fromkeys(COMMON_FIELDS, "\x00")
                crawler.send(client, "post", url, "nul post", data=nul)
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        crawler.send(staff_client, "get", base + "?e=1&_facets=x&q=" + "x" * 3000, "search")
    assert crawler.failures == [], "\n".join(crawler.failures)
    assert crawler.requests > 400, crawler.requests


# --- the 500s the crawl found, pinned one by one ------------------------------------------


def test_nul_byte_in_a_path_is_not_found_on_every_database(client, world):
    for url in [
        "/simple/%00/",
        "/project/demo%00/",
        "/files/ab/%00/x.whl",
        "/api/v1/projects/%00/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "contains a NUL byte; check the link" in response.content.decode()


@pytest.mark.parametrize("junk", ["x", "a\x00b", "1" * 30, "١"])
def test_junk_ids_in_management_forms_are_not_found(world, junk):
    client = _owner_client(world.owner)()
    posts = [
        ("/manage/project/demo-pkg/", {"action": "yank", "release": junk}),
        ("/manage/project/demo-pkg/collaboration/", {"action": "remove", "user": junk}),
        ("/manage/project/demo-pkg/collaboration/", {"action": "revoke", "invitation": junk}),
        ("/manage/project/demo-pkg/release/1.0/", {"action": "delete_file", "file": junk}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, (url, data)
    assert File.objects.exists()


def test_token_revoke_returns_to_the_list_for_a_next_that_is_not_a_path(world):
    token = world.owner.api_tokens.first()
    response = _owner_client(world.owner)().post(
        f"/manage/account/tokens/{token.pk}/revoke/", {"next": "2"}
    )
    assert response.status_code == 302 and response["Location"] == "/manage/account/tokens/"


def test_non_ascii_digest_is_refused_as_a_mismatch(client, world):
    dist = wheel("demo-pkg", "9.0")
    response = client.post(
        "/legacy/",
        dist.form(sha256_digest="☃" * 64),
        HTTP_AUTHORIZATION=world.upload_auth,
    )
    assert response.status_code == 400
    assert "sha256 digest sent does not match" in response.reason_phrase
    assert "upload it again" in response.reason_phrase


JUNK_CREDENTIALS = [
    "Basic !!!",
    "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(),
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Basic " + base64.b64encode(b"__token__:").decode(),
    "Basic " + base64.b64encode(b"__token__:wharf-").decode(),
    "Basic " + base64.b64encode("__token__:wharf-☃\x00".encode()).decode(),
    "Basic " + base64.b64encode(b"__token__:wharf-" + b"x" * 5000).decode(),
    "Basic " + base64.b64encode("☃:☃".encode()).decode(),
    "Basic " + base64.b64encode(b"us\x00er:secret").decode(),
    "Basic " + base64.b64encode(b"__token__:wharf-abc\x00def-ghi").decode(),
    "Token wharf-abc\x00def",
    "Token ",
    "Token wharf-\x00",
    "Token " + "x" * 5000,
    "Bearer wharf-abc def",
    "Basic",
    "x" * 5000,
]


def test_junk_credentials_are_refused_not_crashed(client, world):
    for credentials in JUNK_CREDENTIALS:  # one world for all: building it costs more than this
        for url in ["/legacy/", "/api/v1/account/", "/api/v1/tokens/", "/api/v1/projects/"]:
            for method in ("get", "post"):
                response = getattr(client, method)(url, HTTP_AUTHORIZATION=credentials)
                status = response.status_code
                assert 400 <= status < 500, (method, url, credentials[:40], status)


def test_nul_byte_in_basic_credentials_is_malformed(client, world):
    credentials = "Basic " + base64.b64encode(b"us\x00er:secret").decode()
    response = client.post("/legacy/", HTTP_AUTHORIZATION=credentials)
    assert response.status_code == 403
    assert "malformed Basic credentials: send base64 of 'username:password'" in (
        response.reason_phrase
    )
    response = client.get("/api/v1/account/", HTTP_AUTHORIZATION=credentials)
    assert response.status_code in (401, 403)
    assert "send base64 of 'username:password'" in response.json()["detail"]


def test_api_docs_answer_options_with_method_not_allowed(client):
    assert client.get("/api/v1/docs/").status_code == 200
    response = client.options("/api/v1/docs/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


JUNK_HEADERS = [
    {"HTTP_ACCEPT": "application/vnd.pypi.simple.v1+json;q=abc, text/html;q=-1"},
    {"HTTP_ACCEPT": "*/*;q=" + "9" * 400},
    {"HTTP_ACCEPT": "application/vnd.pypi.simple.latest+json, \x00"},
    {"HTTP_ACCEPT": ";;;,,,"},
    {"HTTP_IF_NONE_MATCH": '"' + "x" * 5000},
    {"HTTP_IF_MODIFIED_SINCE": "yesterday"},
    {"HTTP_RANGE": "bytes=999999-1"},
    {"HTTP_RANGE": "bytes=-0,x"},
    {"HTTP_X_FORWARDED_FOR": "not-an-ip, \x00, 999.1.1.1"},
    {"HTTP_REFERER": "javascript:alert(1)"},
    {"HTTP_USER_AGENT": "x" * 10_000},
    {"HTTP_COOKIE": "sessionid=" + "x" * 5000 + "; csrftoken=\x00"},
    {"HTTP_ACCEPT_LANGUAGE": "xx-" + "y" * 500},
]


def test_junk_headers_never_cause_a_server_error(client, world):
    urls = [
        "/",
        "/simple/",
        "/simple/demo-pkg/",
        "/pypi/demo-pkg/json",
        "/project/demo-pkg/",
        "/files/" + world.values["path"][0],
        "/api/v1/projects/",
        "/accounts/login/",
        "/recovery/",
    ]
    for headers in JUNK_HEADERS:
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url, **headers)
                assert response.status_code < 500, (method, url, headers, response.status_code)


def test_admin_ticket_actions_refuse_nul_bytes_and_junk_ids_with_a_message(staff_client):
    ticket = TicketFactory()
    act = f"/admin/recovery/ticket/{ticket.pk}/act/"

    def shown(response) -> str:
        return html_lib.unescape(response.content.decode())

    page = staff_client.post(act + "reject/", {"reason": "spam\x00"}, follow=True)
    assert "contained a NUL character, which can't be stored: remove it" in shown(page)
    page = staff_client.post(act + "assign/", {"assignee": "x"}, follow=True)
    assert "No such staff member; reload the page" in shown(page)
    page = staff_client.post(act + "check_challenge/", {"challenge": "x"}, follow=True)
    assert "No such challenge on this ticket; reload the page." in shown(page)
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_admin_never_shows_a_totp_secret(staff, staff_client):
    device = staff.totpdevice_set.get()
    for pk in (device.pk, 99999999):
        assert staff_client.get(f"/admin/otp_totp/totpdevice/{pk}/config/").status_code == 403
        assert staff_client.get(f"/admin/otp_totp/totpdevice/{pk}/qrcode/").status_code == 403
    page = staff_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page


def test_yank_reason_with_a_nul_byte_is_refused_with_a_message(world):
    client = _owner_client(world.owner)()
    release = File.objects.get().release
    response = client.post(
        "/manage/project/demo-pkg/",
        {"action": "yank", "release": release.pk, "reason": "bad\x00"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "the yank reason contains a NUL character: remove it and try again."
    ]
    release.refresh_from_db()
    assert not release.yanked


def test_invite_with_a_nul_byte_in_the_username_is_no_such_user(world):
    client = _owner_client(world.owner)()
    response = client.post(
        "/manage/project/demo-pkg/collaboration/",
        {"action": "invite", "username": "user\x00", "role": "Maintainer"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "there is no user named 'user\\x00': check the spelling of the username."
    ]
    assert not RoleInvitation.objects.filter(project__normalized_name="demo-pkg").exists()
