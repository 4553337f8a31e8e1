"""The OpenAPI schema validates, and schemathesis runs every one of its checks over the API."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import requests
import schemathesis
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from packages.models import Role
from tests.factories import (
    PASSWORD,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    TokenFactory,
    UserFactory,
)


def test_schema_validates(tmp_path) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ["/api/v1/tokens/", "/api/v1/tokens/{token_id}/", "/api/v1/account/"]:
        assert f"{path}:" in text


def basic(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()


def future_expiry(context, case):
    """A schemathesis `map_case` hook: a token's expiry must be in the future, which OpenAPI
    cannot say (the field's description does), so a positive case gets a future one."""
    body = case.body
    if (
        case.operation.label == "POST /api/v1/tokens/"
        and case.meta is not None
        and case.meta.generation.mode.is_positive
        and isinstance(body, dict)
        and isinstance(body.get("expires_at"), str)
    ):
        expires_at = parse_datetime(body["expires_at"])
        if expires_at is not None and expires_at <= timezone.now() + timedelta(minutes=5):
            body["expires_at"] = (timezone.now() + timedelta(days=30)).isoformat()
    return case


@dataclass
class Run:
    failures: list[str] = field(default_factory=list)
    checks: Counter[str] = field(default_factory=Counter)  # check name -> cases it judged
    answered: dict[str, Counter[int]] = field(default_factory=dict)  # operation -> statuses


def run_schemathesis(url: str, credentials: str, phases: list[str]) -> Run:
    """schemathesis's own engine, as `schemathesis run` drives it, with every check it has.

    A fixed seed and bounded examples keep it fast and the same on every run.
    """
    all_phases = ["examples", "coverage", "fuzzing", "stateful"]
    config = SchemathesisConfig.from_dict(
        {
            "seed": 20261130,
            "cache": {"enabled": False},  # nothing carried over between runs
            "headers": {"Authorization": basic("fuzzer")} if credentials == "basic" else {},
            "generation": {"mode": "all", "max-examples": 8, "database": "none"},
            "checks": {"enabled": True},
            "phases": {
                **{phase: {"enabled": phase in phases} for phase in all_phases},
                "stateful": {
                    "enabled": "stateful" in phases,
                    "max-steps": 10,
                    "generation": {"max-examples": 3},
                },
            },
            "workers": 1,
        }
    )
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/schema/?format=json", config=config)
    schema.hook("map_case")(future_expiry)
    if credentials == "bearer":

        @schema.auth(retry_on=[401])
        class AccessToken:
            """As a script does: mint an API access token with the password, send it as
            Bearer, and mint another when it stops working (the run may revoke it)."""

            def get(self, case, context) -> str:
                answer = requests.post(
                    f"{url}/api/v1/auth/session-token/",
                    headers={"Authorization": basic("fuzzer")},
                    timeout=30,
                )
                assert answer.status_code == 201, answer.text
                return answer.json()["token"]

            def set(self, case, data: str, context) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    run = Run()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    run.answered.setdefault(event.recorder.label, Counter())[
                        interaction.response.status_code
                    ] += 1
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    run.checks[node.name] += 1
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        info = node.failure_info
                        answer = event.recorder.interactions.get(case_id)
                        run.failures.append(
                            f"{event.recorder.label} [{node.name}] {info.failure.title}: "
                            f"{info.failure.message}\n{info.code_sample}\n"
                            + (
                                f"-> {answer.response.status_code} {answer.response.content!r:.500}"
                                if answer and answer.response
                                else ""
                            )
                        )
        elif isinstance(event, events.NonFatalError):
            run.failures.append(f"error in {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return run


@pytest.fixture
def fuzzer(transactional_db, live_server, settings):
    """The account schemathesis calls as, with a project it owns, a release and a token."""
    # ignored_auth probes every operation with wrong credentials, all from 127.0.0.1 and some
    # naming the fuzzer: the limiter would rightly lock the run out with 429s. Its own tests
    # cover it; here it is set wide.
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "api_auth_ip": "100000/300",
        "api_auth_account": "100000/300",
    }
    user = UserFactory(username="fuzzer", verified=True)
    project = ProjectFactory(name="alpha")
    RoleFactory(project=project, user=user, role=Role.Kind.OWNER)
    FileFactory(release=ReleaseFactory(project=project))
    TokenFactory(user=user, projects=["alpha"])
    return user


@pytest.mark.parametrize(
    ("credentials", "phases"),
    [
        # Password: every phase (the coverage phase walks each schema constraint, both ways).
        ("basic", ["examples", "coverage", "fuzzing", "stateful"]),
        # API access token: the same checks over generated and stateful cases.
        ("bearer", ["examples", "fuzzing", "stateful"]),
    ],
)
def test_schemathesis_runs_every_check_and_passes(fuzzer, live_server, credentials, phases):
    """Every operation, positive and negative cases, with each of schemathesis's checks:
    status codes, content types, response schemas and headers, negative data rejected,
    positive data accepted, missing headers, unsupported methods, use after free, resource
    availability, ignored auth, object-level authorization."""
    run = run_schemathesis(live_server.url, credentials, phases)
    assert not run.failures, "\n\n".join(run.failures[:20]) + f"\n({len(run.failures)} in all)"
    load_all_checks()
    assert set(run.checks) == set(CHECKS.get_all_names()), run.checks
    assert min(run.checks.values()) >= (400 if credentials == "basic" else 150), run.checks
    # Every operation was called, and the credentials worked where the schema says they do:
    # not only 401s, and every read answered a success.
    scheme = f"{credentials}Auth"
    paths = Client().get("/api/v1/schema/?format=json").json()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            statuses = run.answered.get(f"{method.upper()} {path}", Counter())
            assert statuses, (method, path)
            if not any(scheme in requirement for requirement in operation["security"]):
                continue
            assert set(statuses) - {401}, (method, path, statuses)
            # The fuzzer's account belongs to no organization: those reads answer 404 here
            # (tests/organizations/ reads every one of them with a 200).
            if method == "get" and not path.startswith("/api/v1/organizations/{org}/"):
                assert any(200 <= status < 300 for status in statuses), (method, path, statuses)


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_sign_in(client) -> None:
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    assert "basicAuth" in schema.json()["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode().lower()
