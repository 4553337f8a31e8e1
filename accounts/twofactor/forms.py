"""Forms for the two-factor pages: validation and cleaning only."""

from __future__ import annotations

from django import forms


class TOTPConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SecondFactorCodeForm(forms.Form):
    """One box: an authenticator-app code or a recovery code, recognised by its shape."""

    code = forms.CharField(
        label="Authentication code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label="Authentication code",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


class KeyLabelForm(forms.Form):
    label = forms.CharField(max_length=64)
