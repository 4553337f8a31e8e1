"""The OpenAPI schema validates, and a bounded schemathesis run finds no server error."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

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


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request (as in production);
    the test's transaction lives on that connection, so keep it open, as Django's test
    client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, keep_test_connection):
    """The live schema, served by the WSGI app, with data for the operations to find."""
    user = UserFactory(username="fuzzer", verified=True)
    project = ProjectFactory(name="alpha")
    RoleFactory(project=project, user=user, role=Role.Kind.OWNER)
    FileFactory(release=ReleaseFactory(project=project))
    TokenFactory(user=user, projects=["alpha"])
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


AUTH = {"Authorization": "Basic " + base64.b64encode(f"fuzzer:{PASSWORD}".encode()).decode()}
EXAMPLES = 12  # per operation and strategy: ~400 cases in all


def test_api_has_no_server_errors(api_schema) -> None:
    """Positive and negative cases for every operation, derandomized (a fixed seed)."""
    calls = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if "{name}" in operation.path:  # random names rarely exist: also probe the real one
            strategies.append(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"name": "alpha"})
            )
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=AUTH, checks=[not_a_server_error])

            run()
    assert calls >= 300


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_sign_in(client) -> None:
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    assert "basicAuth" in schema.json()["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode().lower()
