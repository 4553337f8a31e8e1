"""Evidence checks staff see next to a ticket: advice for a human, never an automatic decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils import timezone
from django_otp import devices_for_user

from accounts.models import AccountEvent, User
from accounts.twofactor import user_has_two_factor
from packages.models import Release, Role
from packages.names import normalize

from .models import Ticket

LOGIN_TAG = "account:login:success"
PUBLIC = "anyone can read that on the project pages, so it proves nothing alone"


@dataclass
class Check:
    """One finding: `verdict` is "good" (supports the claim), "weak" (it matches, but anyone
    could copy it from public pages), "bad", or "info"."""

    name: str
    verdict: str
    summary: str
    details: list[str] = field(default_factory=list)


def normalize_url(url: str) -> str:
    """Compare repository URLs by host and path: no scheme, www., .git or trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/").removesuffix(".git").rstrip("/").lower()
    return host + path


def _url_matches(claimed: str, listed: str) -> bool:
    claimed, listed = normalize_url(claimed), normalize_url(listed)
    return bool(claimed) and (listed == claimed or listed.startswith(claimed + "/"))


def check_repositories(ticket: Ticket, user: User) -> Check:
    """Do claimed repository URLs appear in the metadata of projects the account owns?"""
    if not ticket.repository_urls:
        return Check("Repository in project metadata", "info", "No repository URL claimed.")
    owned = Role.objects.filter(user=user, role=Role.Kind.OWNER).values_list("project", flat=True)
    releases = Release.objects.filter(project__in=owned).select_related("project")
    findings = []
    for url in ticket.repository_urls:
        for release in releases:
            listed = [release.home_page, *(release.project_urls or {}).values()]
            if any(value and _url_matches(url, value) for value in listed):
                findings.append(f"{url} is listed by {release.project.name} {release.version}")
                break
    matched_urls = {f.split(" is listed")[0] for f in findings}
    missing = [
        f"{url} is not listed by any project the account owns"
        for url in ticket.repository_urls
        if url not in matched_urls
    ]
    if findings:
        # Project pages show their repository links: matching one proves nothing alone.
        return Check(
            "Repository in project metadata",
            "weak",
            f"The repository matches, but {PUBLIC}; send a repository challenge.",
            findings + missing,
        )
    return Check("Repository in project metadata", "bad", "No claimed repository matches.", missing)


def check_projects(ticket: Ticket, user: User) -> Check:
    """Which claimed projects the account really has a role on."""
    if not ticket.claimed_projects:
        return Check("Claimed projects", "info", "No project claimed.")
    roles = {
        r.project.normalized_name: r
        for r in Role.objects.filter(user=user).select_related("project")
    }
    details, hits = [], 0
    for name in ticket.claimed_projects:
        role = roles.get(normalize(name))
        if role is None:
            details.append(f"{name}: the account has no role")
        else:
            hits += 1
            details.append(f"{name}: {role.role}")
    # Project pages list their maintainers: naming them proves nothing alone.
    verdict = "weak" if hits == len(ticket.claimed_projects) else ("info" if hits else "bad")
    summary = f"{hits} of {len(ticket.claimed_projects)} confirmed"
    return Check(
        "Claimed projects",
        verdict,
        f"{summary}, but {PUBLIC}." if verdict == "weak" else f"{summary}.",
        details,
    )


def check_contact_email(ticket: Ticket, user: User) -> Check:
    """How the contact address relates to the account's addresses."""
    contact = ticket.contact_email.lower()
    addresses = [a.email.lower() for a in user.emailaddress_set.all()] + [user.email.lower()]
    addresses = [a for a in addresses if a]
    domain = contact.rpartition("@")[2]
    if contact in addresses:
        return Check("Contact email", "good", "Same address as one of the account's.")
    if any(a.rpartition("@")[2] == domain for a in addresses):
        return Check("Contact email", "info", f"Same domain ({domain}) as an account address.")
    return Check("Contact email", "bad", "No relation to the account's addresses.")


def check_account_state(ticket: Ticket, user: User) -> Check:
    """Verified email, 2FA, recovery codes, last sign-in against the claimed one."""
    devices = list(devices_for_user(user, confirmed=None))
    recovery_codes = [d for d in devices if getattr(d, "factor_name", "") == "recovery_code"]
    details = [
        f"verified email: {'yes' if user.has_verified_email else 'no'}",
        f"two-factor: {'yes' if user_has_two_factor(user) else 'no'}"
        + (f" ({', '.join(type(d).__name__ for d in devices)})" if devices else ""),
        f"recovery codes generated: {'yes' if recovery_codes else 'no'}",
        f"usable password: {'yes' if user.has_usable_password() else 'no'}",
    ]
    verdict = "info"
    last = user.last_login.date() if user.last_login else None
    details.append(
        f"last sign-in: {last or 'never'}; claimed: {ticket.claimed_last_sign_in or '-'}"
    )
    if ticket.claimed_last_sign_in and last:
        gap = abs((last - ticket.claimed_last_sign_in).days)
        verdict = "good" if gap <= 90 else "bad"
        details.append(f"claimed last sign-in is {gap} days from the real one")
    return Check("Account state", verdict, "; ".join(details[:3]), details)


def check_sign_in_history(ticket: Ticket, user: User) -> Check:
    """Has the account signed in before from the ticket's IP address or user agent?"""
    logins = AccountEvent.objects.filter(user=user, tag=LOGIN_TAG)
    same_ip = logins.filter(ip_address=ticket.ip_address).count() if ticket.ip_address else 0
    same_agent = logins.filter(user_agent=ticket.user_agent).count() if ticket.user_agent else 0
    details = [
        f"sign-ins recorded: {logins.count()}",
        f"from the ticket's IP {ticket.ip_address}: {same_ip}",
        f"with the ticket's user agent: {same_agent}",
    ]
    if same_ip:
        return Check(
            "Sign-in history", "good", "The ticket's IP address signed in before.", details
        )
    if same_agent:
        return Check("Sign-in history", "info", "Only the user agent was seen before.", details)
    return Check("Sign-in history", "info", "No overlap with earlier sign-ins.", details)


def check_activity(ticket: Ticket, user: User) -> Check:
    """Account age and how much it did."""
    age = (timezone.now() - user.date_joined).days
    events = AccountEvent.objects.filter(user=user).count()
    releases = Release.objects.filter(project__roles__user=user).distinct().count()
    roles = Role.objects.filter(user=user).count()
    details = [
        f"account age: {age} days (joined {user.date_joined:%Y-%m-%d})",
        f"roles on projects: {roles}",
        f"releases of those projects: {releases}",
        f"security events recorded: {events}",
    ]
    return Check("Account age and activity", "info", details[0], details)


def compute_checks(ticket: Ticket) -> list[Check]:
    """All checks for a ticket, for staff to read next to the evidence."""
    user = ticket.account
    if user is None:
        return [
            Check(
                "Account",
                "bad",
                f"No account matches {ticket.claimed_account!r}: nothing to recover; reject.",
            )
        ]
    return [
        check_repositories(ticket, user),
        check_projects(ticket, user),
        check_contact_email(ticket, user),
        check_account_state(ticket, user),
        check_sign_in_history(ticket, user),
        check_activity(ticket, user),
    ]
