"""POST /_/oidc/mint-token: a CI token from the fake issuer for a 15-minute upload token."""

from __future__ import annotations

import time

import pytest

from packages.models import ProjectEvent
from publishing.models import ExchangedToken, Publisher
from tests.factories import PublisherFactory, RoleFactory
from tests.publishing.conftest import AUDIENCE, SigningKey, error_codes, mint
from tokens.models import Token

pytestmark = pytest.mark.django_db
NOW, HOUR = int(time.time()), 3600
WORKFLOWS = "example/app/.github/workflows"


@pytest.fixture
def github_publisher(issuer, owner):
    publisher = PublisherFactory(issuer=issuer.url("github"))
    RoleFactory(project=publisher.project, user=owner, role="Owner")
    return publisher


def test_audience_is_the_setting(client, settings):
    settings.OIDC_AUDIENCE = "wharf.example.com"
    response = client.get("/_/oidc/audience")
    assert response.status_code == 200
    assert response.json() == {"audience": "wharf.example.com"}


def test_github_token_mints_a_project_scoped_token_for_15_minutes(client, issuer, github_publisher):
    before = time.time()
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True and body["token"].startswith("wharf-")
    assert before + 15 * 60 - 5 <= body["expires"] <= time.time() + 15 * 60 + 1
    token = Token.objects.get()
    assert token.user is None and token.publisher == github_publisher
    assert token.projects == [github_publisher.project.normalized_name]
    assert token.publisher_claims["sha"] == "0123456789abcdef0123456789abcdef01234567"
    github_publisher.refresh_from_db()
    # The repository's ids are recorded at first use.
    assert (github_publisher.owner_id, github_publisher.repository_id) == ("77", "4242")
    assert github_publisher.last_used_at is not None
    event = ProjectEvent.objects.get(tag="project:publisher:token_minted")
    assert event.details["published_by"].startswith(
        "GitHub Actions run 9876543210 of example/app@0123456789ab"
    )


def test_es256_keys_verify_too(client, issuer, github_publisher):
    key = issuer.rotate("ES256")
    response = mint(client, issuer.sign(issuer.github_claims(), key=key))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("claims", "code", "words"),
    [
        ({"repository": "example/other"}, "invalid-publisher", "repository 'example/other'"),
        ({"workflow_ref": f"{WORKFLOWS}/ci.yml@x"}, "workflow_ref", f"{WORKFLOWS}/release.yml"),
        ({"repository_owner_id": "666"}, "repository_owner_id", "first used by '77'"),
        ({"repository_id": "999"}, "repository_id", "first used by '4242'"),
    ],
)  # fmt: skip
def test_each_github_claim_mismatch_is_named(client, issuer, github_publisher, claims, code, words):
    # First use records the ids, so a recreated repository (new ids) is refused afterwards.
    assert mint(client, issuer.sign(issuer.github_claims())).status_code == 200
    Token.objects.all().delete()
    response = mint(client, issuer.sign(issuer.github_claims(**claims)))
    assert response.status_code == 422
    assert code in error_codes(response)
    assert words in response.json()["message"] + str(response.json()["errors"])
    assert not Token.objects.exists()


def test_environment_mismatch_is_named(client, issuer, github_publisher):
    Publisher.objects.filter(pk=github_publisher.pk).update(environment="pypi")
    response = mint(client, issuer.sign(issuer.github_claims(environment="staging")))
    assert response.status_code == 422
    assert error_codes(response) == ["environment"]
    assert (
        "the claim environment is 'staging', the publisher expects 'pypi'"
        in (response.json()["message"])
    )
    ok = mint(client, issuer.sign(issuer.github_claims(environment="pypi")))
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("claims", "code", "words"),
    [
        ({"exp": NOW - HOUR, "iat": NOW - 7200, "nbf": NOW - 7200}, "expired-token", "expired"),
        ({"nbf": NOW + HOUR, "iat": NOW}, "not-yet-valid", "not valid before"),
        ({"iat": NOW + HOUR}, "not-yet-valid", "check the CI machine's clock"),
        ({"aud": "pypi"}, "invalid-audience", f"expects '{AUDIENCE}'"),
        ({"iss": "https://evil.example.com"}, "invalid-issuer", "is not trusted by this index"),
        ({"jti": None}, "invalid-token", "'jti'"),
    ],
)  # fmt: skip
def test_bad_tokens_are_refused_and_change_nothing(
    client, issuer, github_publisher, claims, code, words
):
    response = mint(client, issuer.sign(issuer.github_claims(**claims)))
    assert response.status_code == 422, response.content
    assert error_codes(response) == [code]
    assert words in response.json()["message"]
    assert not Token.objects.exists() and not ExchangedToken.objects.exists()


def test_small_clock_skew_is_tolerated(client, issuer, github_publisher):
    now = int(time.time())
    response = mint(client, issuer.sign(issuer.github_claims(iat=now + 10, nbf=now + 10)))
    assert response.status_code == 200, response.content


def test_a_token_signed_by_another_key_is_refused(client, issuer, github_publisher):
    stranger = SigningKey.generate()
    stranger.kid = issuer.keys[0].kid  # claims the issuer's key id
    response = mint(client, issuer.sign(issuer.github_claims(), key=stranger))
    assert response.status_code == 422
    assert error_codes(response) == ["invalid-signature"]


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_junk_is_refused_with_a_reason(client, issuer, token):
    response = mint(client, token)
    assert response.status_code == 422
    assert response.json()["errors"][0]["description"]


def test_unsigned_and_hmac_tokens_are_refused(client, issuer, github_publisher):
    claims = issuer.github_claims()
    for token in (
        __import__("jwt").encode(claims, None, algorithm="none"),
        __import__("jwt").encode(claims, "secret-key-of-at-least-32-bytes!!", algorithm="HS256"),
    ):
        response = mint(client, token)
        assert response.status_code == 422
        assert "only RS256 and ES256" in response.json()["message"]


def test_body_must_be_json_with_a_token(client, issuer):
    response = client.post("/_/oidc/mint-token", "junk", content_type="application/json")
    assert response.status_code == 422
    assert error_codes(response) == ["invalid-payload"]
    assert 'JSON {"token"' in response.json()["message"]


def test_replayed_jti_is_refused(client, issuer, github_publisher):
    token = issuer.sign(issuer.github_claims())
    assert mint(client, token).status_code == 200
    again = mint(client, token)
    assert again.status_code == 422
    assert error_codes(again) == ["replayed-token"]
    assert "request a fresh token" in again.json()["message"]
    assert Token.objects.count() == 1


def test_unknown_kid_refetches_keys_once_a_minute(client, issuer, github_publisher):
    assert mint(client, issuer.sign(issuer.github_claims())).status_code == 200
    jwks_fetches = lambda: sum(1 for path in issuer.requests if path.endswith("/jwks"))  # noqa: E731
    assert jwks_fetches() == 1
    # Cached: a second token with the same key fetches nothing.
    assert mint(client, issuer.sign(issuer.github_claims())).status_code == 200
    assert jwks_fetches() == 1
    # The issuer rotates its key: the unknown kid makes us fetch the keys again.
    issuer.rotate()
    assert mint(client, issuer.sign(issuer.github_claims())).status_code == 200
    assert jwks_fetches() == 2
    # A token with a key id the issuer never published: refused, and within the minute the
    # keys are not fetched again (junk can't make us hammer the issuer).
    ghost = SigningKey.generate()
    response = mint(client, issuer.sign(issuer.github_claims(), key=ghost))
    assert response.status_code == 422
    assert "does not publish" in response.json()["message"]
    assert jwks_fetches() == 2


def test_private_issuer_refused_unless_allowed(client, issuer, github_publisher, settings):
    settings.OIDC_ALLOW_PRIVATE_ISSUERS = False
    settings.OUTSIDE_ALLOW_PRIVATE_HOSTS = False
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 503
    assert error_codes(response) == ["issuer-unavailable"]
    assert "private address" in response.json()["message"]


def test_removed_publisher_mints_nothing(client, issuer, github_publisher):
    github_publisher.delete()
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 422
    assert error_codes(response) == ["invalid-publisher"]


def test_gitlab_token_mints(client, issuer, owner):
    publisher = PublisherFactory(gitlab=True, issuer=issuer.url("gitlab"))
    response = mint(client, issuer.sign(issuer.gitlab_claims()))
    assert response.status_code == 200, response.content
    token = Token.objects.get()
    assert token.publisher == publisher
    assert token.name.startswith("GitLab CI pipeline 3333 of group/app@fedcba987654")


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"project_path": "group/other"}, "invalid-publisher"),
        ({"ci_config_ref_uri": "x/group/app//ci/other.yml@refs/heads/main"}, "ci_config_ref_uri"),
    ],
)
def test_gitlab_claim_mismatch_is_named(client, issuer, claims, code):
    PublisherFactory(gitlab=True, issuer=issuer.url("gitlab"), environment="")
    response = mint(client, issuer.sign(issuer.gitlab_claims(**claims)))
    assert response.status_code == 422
    assert code in error_codes(response)


def test_generic_issuer_matches_sub_pattern_and_claims(client, issuer):
    PublisherFactory(generic=True, issuer=issuer.url("generic"), claims={"repository": "team/app"})
    assert mint(client, issuer.sign(issuer.generic_claims())).status_code == 200
    wrong_sub = mint(client, issuer.sign(issuer.generic_claims(sub="repo:other/app:ref:x")))
    assert wrong_sub.status_code == 422 and error_codes(wrong_sub) == ["sub"]
    wrong_claim = mint(client, issuer.sign(issuer.generic_claims(repository="team/fork")))
    assert wrong_claim.status_code == 422 and error_codes(wrong_claim) == ["repository"]
    assert (
        "the claim repository is 'team/fork', the publisher expects 'team/app'"
        in (wrong_claim.json()["message"])
    )
