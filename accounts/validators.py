from __future__ import annotations

from django.core.validators import MaxLengthValidator, RegexValidator

# PyPI's rule: letters, digits, ".", "_" and "-", starting and ending with a letter or digit.
USERNAME_VALIDATORS = [
    RegexValidator(
        r"^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z",
        "Use letters, digits, '.', '_' and '-' only, starting and ending with a letter or digit.",
    ),
    MaxLengthValidator(50),
]
