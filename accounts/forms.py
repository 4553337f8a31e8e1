from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from .models import User


class SignupForm(forms.Form):
    """allauth's signup form adds these fields: agreement to the terms is required."""

    # allauth's signup form orders its fields by this attribute: the agreement comes last.
    field_order = ["username", "email", "password1", "password2", "agree_terms"]

    agree_terms = forms.BooleanField(
        required=True,
        label="I agree to the terms of service",
        error_messages={"required": "You must agree to the terms of service to sign up."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agree_terms"].help_text = format_html(
            'Read the <a href="/terms/">terms of service</a> (version {}).',
            settings.TERMS_VERSION,
        )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.terms_version = settings.TERMS_VERSION
        user.terms_agreed_at = timezone.now()
        user.save(update_fields=["terms_version", "terms_agreed_at"])
