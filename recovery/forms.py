"""Validation and cleaning for the recovery pages."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.safestring import mark_safe

from .models import Ticket

MAX_ITEMS = 10


def _lines(value: str) -> list[str]:
    """Items separated by new lines or commas, stripped, empty ones dropped, duplicates once."""
    items = [item.strip() for item in re.split(r"[\n,]", value or "")]
    return list(dict.fromkeys(item for item in items if item))


class RecoveryRequestForm(forms.Form):
    account = forms.CharField(
        label="Your account",
        max_length=254,
        help_text="Your username, or any email address the account had.",
    )
    contact_email = forms.EmailField(
        label="Contact email",
        help_text="Where we can reach you now. You must confirm it by a link we send there.",
    )
    lost = forms.MultipleChoiceField(
        label="What did you lose?",
        choices=Ticket.Lost.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    repository_urls = forms.CharField(
        label="Repository or profile URLs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, e.g. the GitHub repository your project lists.",
    )
    projects = forms.CharField(
        label="Projects you maintain",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Project names, one per line.",
    )
    last_sign_in = forms.DateField(
        label="About when did you last sign in?",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    other_evidence = forms.CharField(
        label="Anything else that proves the account is yours",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agree_code_of_conduct = forms.BooleanField(
        label="I agree to the code of conduct and confirm the account is mine.",
        help_text=mark_safe('<a href="/recovery/code-of-conduct/">Read the code of conduct</a>.'),
        error_messages={"required": "You must agree to the code of conduct to file a request."},
    )
    acknowledge_review_time = forms.BooleanField(
        label="I understand that a person reviews this request and that it can take several days.",
        error_messages={"required": "Please acknowledge that review takes time."},
    )

    def clean_repository_urls(self) -> list[str]:
        urls = _lines(self.cleaned_data["repository_urls"])
        if len(urls) > MAX_ITEMS:
            raise ValidationError(f"List at most {MAX_ITEMS} URLs.")
        validate = URLValidator(schemes=["http", "https"])
        for url in urls:
            try:
                validate(url)
            except ValidationError:
                raise ValidationError(
                    f"{url!r} is not a web address; write it as https://github.com/owner/repo."
                ) from None
        return urls

    def clean_projects(self) -> list[str]:
        names = _lines(self.cleaned_data["projects"])
        if len(names) > MAX_ITEMS:
            raise ValidationError(f"List at most {MAX_ITEMS} projects.")
        if any(len(name) > 200 for name in names):
            raise ValidationError("Project names are at most 200 characters.")
        return names


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    code = forms.CharField(
        label="A code from a second factor still on the account (optional)",
        required=False,
        max_length=64,
        help_text=(
            "If you still have the authenticator app or a recovery code of the account, enter a "
            "code: it proves the account is yours faster than anything you can write."
        ),
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(label="New password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="New password again", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            raise ValidationError("The two passwords differ; type the same password twice.")
        if first:
            password_validation.validate_password(first, self.user)
        return data
