from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator

# PyPI's rule: letters, digits, ".", "_" and "-", starting and ending with a letter or digit.
USERNAME_VALIDATORS = [
    RegexValidator(
        r"^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z",
        "Use letters, digits, '.', '_' and '-' only, starting and ending with a letter or digit.",
    ),
    MaxLengthValidator(50),
]


class MaximumLengthPasswordValidator:
    """Refuse absurdly long passwords (PyPI's limit): hashing megabytes is a cheap DoS."""

    def __init__(self, max_length: int = 4096) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Use a password of at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can have at most {self.max_length} characters."


class BreachedPasswordValidator:
    """Refuse passwords known from data breaches (ASVS 6.2.12), as PyPI does with HIBP.

    Only the first five hex digits of the password's SHA-1 are sent (the k-anonymity range
    API); the answer lists every breached suffix with that prefix. When the service cannot be
    reached the password is allowed and the failure logged: an outage must not stop signups.
    """

    def validate(self, password: str, user: object = None) -> None:
        from .breached import breach_count

        count = breach_count(password)
        if count:
            raise ValidationError(
                f"This password appeared in {count:,} data breaches, so attackers try it "
                "first. Choose a different one (a passphrase of several words works well).",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password can't be one that appeared in a known data breach."
