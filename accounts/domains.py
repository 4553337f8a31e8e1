"""Expired email domains: an address whose domain lapsed proves nothing any more.

Whoever registers a lapsed domain receives its mail, password resets included (PyPI's 2022
"ctx" takeover). A daily task (and `manage.py check_email_domains`) asks a resolver whether
each domain of a verified address still exists (MX, then A/AAAA); an address whose domain
does not is marked unverified (recorded as `account:email:domain_lapsed`), its owner is told
at sign-in, and a password reset for it answers and mails exactly as for an unknown address.
"""

from __future__ import annotations

import logging
from typing import Protocol

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils.module_loading import import_string

from . import services
from .models import AccountEvent, User

logger = logging.getLogger(__name__)

LAPSED_TAG = "account:email:domain_lapsed"
# A domain that always exists: when DNS denies it, DNS is broken, not every domain gone.
CANARY_DOMAIN = "python.org"


class Resolver(Protocol):
    def domain_exists(self, domain: str) -> bool | None:
        """True: the domain can receive mail; False: it does not exist; None: can't tell now."""


class DnsResolver:
    """Asks DNS (dnspython): MX records, else A/AAAA (RFC 5321's implicit MX)."""

    timeout = 5.0

    def domain_exists(self, domain: str) -> bool | None:
        import dns.exception
        import dns.resolver

        resolver = dns.resolver.Resolver()
        resolver.lifetime = self.timeout
        try:
            for kind in ("MX", "A", "AAAA"):
                try:
                    resolver.resolve(domain, kind)
                    return True
                except dns.resolver.NoAnswer:
                    continue
            return False
        except dns.resolver.NXDOMAIN:
            return False
        except (dns.exception.DNSException, OSError) as error:
            # No answer (timeout, no resolver): a broken network must never unverify anyone.
            logger.warning("email domain check of %s skipped: %s", domain, error)
            return None


def resolver() -> Resolver:
    """The configured resolver (EMAIL_DOMAIN_RESOLVER; tests use a fake)."""
    return import_string(settings.EMAIL_DOMAIN_RESOLVER)()


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def email_domains_check(*, using: Resolver | None = None) -> dict[str, int]:
    """Unverify every verified address whose domain no longer exists; safe to re-run."""
    using = using or resolver()
    if using.domain_exists(CANARY_DOMAIN) is not True:
        # A resolver that denies python.org is broken or offline: it must unverify nobody.
        logger.warning("email domain check skipped: DNS does not resolve %s", CANARY_DOMAIN)
        return {"domains": 0, "lapsed": 0}
    addresses = EmailAddress.objects.filter(verified=True).select_related("user")
    by_domain: dict[str, list[EmailAddress]] = {}
    for address in addresses.iterator():
        by_domain.setdefault(domain_of(address.email), []).append(address)
    lapsed = 0
    for domain, members in sorted(by_domain.items()):
        if not domain or using.domain_exists(domain) is not False:
            continue
        for address in members:
            lapsed += services.email_mark_unverified(
                address=address,
                actor=None,
                reason=f"the domain {domain} no longer exists, so whoever registers it gets "
                "this address's mail",
                tag=LAPSED_TAG,
            )
    return {"domains": len(by_domain), "lapsed": lapsed}


def lapsed_addresses(user: User) -> list[str]:
    """The account's unverified addresses that were unverified because their domain lapsed."""
    unverified = {
        a.lower()
        for a in EmailAddress.objects.filter(user=user, verified=False).values_list(
            "email", flat=True
        )
    }
    if not unverified:
        return []
    recorded = AccountEvent.objects.filter(user=user, tag=LAPSED_TAG).values_list(
        "details", flat=True
    )
    return sorted({str(d.get("email", "")).lower() for d in recorded} & unverified)


def is_lapsed(email: str) -> bool:
    """Whether email is an address unverified because its domain lapsed."""
    address = EmailAddress.objects.filter(email__iexact=email, verified=False).first()
    return address is not None and address.email.lower() in lapsed_addresses(address.user)


def lapsed_warning(email: str) -> str:
    return (
        f"Your address {email} is no longer verified: its domain does not exist any more, so "
        "whoever registers it would get your mail. Password resets are not sent to it. Add an "
        "address you can read at your account's email page, and remove this one."
    )
