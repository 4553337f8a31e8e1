"""Which publisher a verified CI token proves, and which claim did not match what.

Each kind of publisher names the claims it checks. A token that matches no publisher is
refused with the differences from the publishers registered for its repository (or, when
there is none, what was looked for), so a CI log says exactly what to fix.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from .models import Publisher
from .oidc import Issuer, Problem, TokenRefused, VerifiedToken, refuse


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return "" if value is None else str(value)


def _differs(claims: dict[str, Any], claim: str, expected: str, hint: str = "") -> list[Problem]:
    """A problem when a claim is not what the publisher expects (names compare in any case)."""
    actual = _text(claims, claim)
    if actual.lower() == expected.lower():
        return []
    message = f"the claim {claim} is {actual!r}, the publisher expects {expected!r}{hint}"
    return [Problem(claim, message)]


def _github_workflow(claims: dict[str, Any]) -> tuple[str, str]:
    """(repository, workflow file) of the top-level workflow that asked for the token."""
    # workflow_ref: "owner/repo/.github/workflows/release.yml@refs/tags/v1"
    ref = _text(claims, "workflow_ref").partition("@")[0]
    repository, _, path = ref.partition("/.github/workflows/")
    return repository, path


def _github_problems(publisher: Publisher, claims: dict[str, Any]) -> list[Problem]:
    expected = f"{publisher.owner}/{publisher.repository}"
    problems = _differs(claims, "repository", expected)
    workflow_repository, workflow = _github_workflow(claims)
    if workflow != publisher.workflow or workflow_repository.lower() != expected.lower():
        problems.append(
            Problem(
                "workflow_ref",
                f"the claim workflow_ref is {_text(claims, 'workflow_ref')!r}, "
                f"the publisher expects the workflow {expected}/.github/workflows/"
                f"{publisher.workflow}",
            )
        )
    if publisher.environment:
        hint = f" (add `environment: {publisher.environment}` to the job)"
        problems += _differs(claims, "environment", publisher.environment, hint)
    for field, claim in (("owner_id", "repository_owner_id"), ("repository_id", "repository_id")):
        recorded = getattr(publisher, field)
        if recorded and _text(claims, claim) != recorded:
            problems.append(
                Problem(
                    claim,
                    f"the claim {claim} is {_text(claims, claim)!r}, but the publisher "
                    f"was first used by {recorded!r}: the repository was deleted and "
                    "recreated (or renamed); remove the publisher and add it again",
                )
            )
    return problems


def _gitlab_config(claims: dict[str, Any]) -> tuple[str, str]:
    """(project path, CI config file) from ci_config_ref_uri."""
    # ci_config_ref_uri: "gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"
    uri = _text(claims, "ci_config_ref_uri").partition("@")[0]
    where, _, path = uri.partition("//")
    project_path = where.partition("/")[2]
    return project_path, path


def _gitlab_problems(publisher: Publisher, claims: dict[str, Any]) -> list[Problem]:
    expected = f"{publisher.namespace}/{publisher.gitlab_project}"
    problems = _differs(claims, "project_path", expected)
    config_project, config_path = _gitlab_config(claims)
    if config_path != publisher.ci_config_path or config_project.lower() != expected.lower():
        problems.append(
            Problem(
                "ci_config_ref_uri",
                f"the claim ci_config_ref_uri is "
                f"{_text(claims, 'ci_config_ref_uri')!r}, the publisher expects the CI file "
                f"{publisher.ci_config_path!r} of {expected}",
            )
        )
    if publisher.environment:
        problems += _differs(claims, "environment", publisher.environment)
    return problems


def _generic_problems(publisher: Publisher, claims: dict[str, Any]) -> list[Problem]:
    problems = []
    subject = _text(claims, "sub")
    if not fnmatch.fnmatchcase(subject, publisher.subject):
        problems.append(
            Problem(
                "sub",
                f"the claim sub is {subject!r}, the publisher expects the pattern "
                f"{publisher.subject!r}",
            )
        )
    for name, value in sorted(publisher.claims.items()):
        if claims.get(name) != value:
            problems.append(
                Problem(
                    name,
                    f"the claim {name} is {claims.get(name)!r}, the publisher expects {value!r}",
                )
            )
    return problems


CHECKS = {
    Publisher.Kind.GITHUB: _github_problems,
    Publisher.Kind.GITLAB: _gitlab_problems,
    Publisher.Kind.GENERIC: _generic_problems,
}


def problems_with(publisher: Publisher, claims: dict[str, Any]) -> list[Problem]:
    """The claims that do not match what publisher trusts (empty: it matches)."""
    return CHECKS[Publisher.Kind(publisher.kind)](publisher, claims)


def _candidates(issuer: Issuer, claims: dict[str, Any]):
    """The usable publishers of this issuer that the token might be meant for."""
    publishers = Publisher.objects.usable().filter(issuer=issuer.url).select_related("project")
    if issuer.kind == Publisher.Kind.GITHUB:
        owner, _, repository = _text(claims, "repository").partition("/")
        return publishers.filter(
            kind=Publisher.Kind.GITHUB, owner__iexact=owner, repository__iexact=repository
        ), f"GitHub publisher for the repository {_text(claims, 'repository')!r}"
    if issuer.kind == Publisher.Kind.GITLAB:
        namespace, _, project = _text(claims, "project_path").rpartition("/")
        return publishers.filter(
            kind=Publisher.Kind.GITLAB, namespace__iexact=namespace, gitlab_project__iexact=project
        ), f"GitLab publisher for the project {_text(claims, 'project_path')!r}"
    return publishers.filter(kind=Publisher.Kind.GENERIC), (
        f"publisher for the issuer {issuer.url}"
    )


def matching_publisher(token: VerifiedToken) -> Publisher:
    """The one publisher the token proves, or TokenRefused naming the mismatched claims."""
    candidates, looked_for = _candidates(token.issuer, token.claims)
    candidates = list(candidates)
    matched = [p for p in candidates if not problems_with(p, token.claims)]
    if len(matched) == 1:
        return matched[0]
    if len(matched) > 1:
        names = ", ".join(sorted({p.project_name for p in matched}))
        raise refuse(
            "ambiguous-publisher",
            f"the token matches {len(matched)} trusted publishers (projects {names}): give each "
            "project its own workflow or environment, so one token names one project.",
        )
    if not candidates:
        raise refuse(
            "invalid-publisher",
            f"no trusted publisher matches this token: this index has no {looked_for}. An Owner "
            "adds one on the project's publishing page (or registers a pending one for a new "
            "project).",
        )
    problems = [
        Problem(problem.code, f"{problem.description} (publisher for {p.project_name})")
        for p in candidates
        for problem in problems_with(p, token.claims)
    ]
    summary = "; ".join(problem.description for problem in problems)
    raise TokenRefused(
        f"no trusted publisher matches this token: {summary}. Fix the workflow or the "
        "publisher's settings.",
        problems,
    )


def describe_run(publisher: Publisher, claims: dict[str, Any]) -> str:
    """The CI run that proved the token, in words for the project's history."""
    sha = _text(claims, "sha")[:12]
    ref = _text(claims, "ref")
    if publisher.kind == Publisher.Kind.GITHUB:
        return (
            f"GitHub Actions run {_text(claims, 'run_id')} of {_text(claims, 'repository')}@{sha}"
            f" ({publisher.workflow}, {ref})"
        )
    if publisher.kind == Publisher.Kind.GITLAB:
        return (
            f"GitLab CI pipeline {_text(claims, 'pipeline_id')} of "
            f"{_text(claims, 'project_path')}@{sha} ({publisher.ci_config_path}, {ref})"
        )
    return f"OIDC {_text(claims, 'sub')} from {_text(claims, 'iss')}"


# The claims kept with a minted token and in the history: what proved it, nothing secret.
RECORDED_CLAIMS = (
    "iss", "sub", "jti", "repository", "repository_id", "repository_owner", "repository_owner_id",
    "workflow_ref", "job_workflow_ref", "environment", "ref", "sha", "run_id", "run_attempt",
    "actor", "event_name", "project_path", "project_id", "namespace_path", "namespace_id",
    "ci_config_ref_uri", "pipeline_id", "job_id", "user_login",
)  # fmt: skip


def recorded_claims(claims: dict[str, Any]) -> dict[str, str]:
    return {name: str(claims[name])[:500] for name in RECORDED_CLAIMS if name in claims}
