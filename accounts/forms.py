from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .models import User


class SignupForm(forms.Form):
    """allauth's signup form adds these fields: agreement to the terms is required."""

    agree_terms = forms.BooleanField(
        required=True,
        label="I agree to the terms of service",
        error_messages={"required": "You must agree to the terms of service to sign up."},
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.terms_version = settings.TERMS_VERSION
        user.terms_agreed_at = timezone.now()
        user.save(update_fields=["terms_version", "terms_agreed_at"])
