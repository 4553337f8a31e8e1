from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

SCOPE_ACCOUNT = "account"
SCOPE_PROJECTS = "projects"


class TokenCreateForm(forms.Form):
    """Name, scope (whole account or chosen projects) and optional expiry of a new token."""

    name = forms.CharField(
        max_length=100,
        help_text="What will use it, e.g. “GitHub Actions for alpha” or “laptop”.",
    )
    scope = forms.ChoiceField(
        choices=[
            (SCOPE_PROJECTS, "Only the projects chosen below (recommended)"),
            (SCOPE_ACCOUNT, "The whole account: every project, and new ones"),
        ],
        widget=forms.RadioSelect,
        initial=SCOPE_PROJECTS,
    )
    projects = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Your projects"
    )
    new_projects = forms.CharField(
        required=False,
        label="Names not registered yet",
        help_text="Comma or space separated; the token's first upload creates the project.",
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on (optional, UTC)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a token that does not expire.",
    )

    def __init__(self, *args, project_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = [(n, n) for n in project_names]

    def clean_expires_on(self) -> dt.date | None:
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.now().date():
            raise forms.ValidationError("Choose a date after today, or leave it empty.")
        return day

    def clean(self) -> dict:
        data = super().clean()
        if data.get("scope") == SCOPE_PROJECTS:
            extra = [n for n in re.split(r"[\s,]+", data.get("new_projects") or "") if n]
            data["scope_projects"] = list(data.get("projects") or []) + extra
            if not data["scope_projects"]:
                raise forms.ValidationError(
                    "Choose at least one project or name one, or choose the whole account."
                )
        else:
            data["scope_projects"] = []
        return data

    @property
    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


class ProjectTokenCreateForm(forms.Form):
    """A token for one project: only a name and an optional expiry."""

    name = TokenCreateForm.base_fields["name"]
    expires_on = TokenCreateForm.base_fields["expires_on"]
    clean_expires_on = TokenCreateForm.clean_expires_on
    expires_at = TokenCreateForm.expires_at
