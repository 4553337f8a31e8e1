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
