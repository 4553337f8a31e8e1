"""The publisher forms on the publishing pages: validation and cleaning only (the rules of
what a publisher may trust are in services)."""

from __future__ import annotations

from django import forms

from .services import PublisherSpec


class GitHubPublisherForm(forms.Form):
    kind = "github"
    label = "GitHub Actions"
    owner = forms.CharField(max_length=100, help_text="The GitHub user or organization.")
    repository = forms.CharField(max_length=100, help_text="The repository's name.")
    workflow = forms.CharField(
        max_length=255, help_text="The workflow file under .github/workflows/, e.g. release.yml."
    )
    environment = forms.CharField(
        max_length=255,
        required=False,
        help_text="Optional: only jobs running in this GitHub environment may publish.",
    )

    def spec(self) -> PublisherSpec:
        return PublisherSpec(kind=self.kind, **self.cleaned_data)


class GitLabPublisherForm(forms.Form):
    kind = "gitlab"
    label = "GitLab CI/CD"
    namespace = forms.CharField(max_length=255, help_text="The group (and subgroups), e.g. acme.")
    project = forms.CharField(max_length=255, help_text="The project's path, e.g. app.")
    ci_config_path = forms.CharField(
        max_length=255, initial=".gitlab-ci.yml", help_text="The CI file that publishes."
    )
    environment = forms.CharField(max_length=255, required=False, help_text="Optional.")
    issuer = forms.ChoiceField(required=False, help_text="GitLab.com or a self-managed GitLab.")

    def __init__(self, *args, issuers: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [(url, url) for url in issuers]

    def spec(self) -> PublisherSpec:
        return PublisherSpec(kind=self.kind, **self.cleaned_data)


class GenericPublisherForm(forms.Form):
    kind = "generic"
    label = "OpenID Connect (other CI)"
    issuer = forms.ChoiceField(help_text="An OIDC issuer this index trusts.")
    subject = forms.CharField(
        max_length=500,
        help_text="The sub claim of the CI's tokens; * matches any part.",
    )
    claims = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: one claim=value per line that must be equal.",
    )

    def __init__(self, *args, issuers: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [(url, url) for url in issuers]

    def clean_claims(self) -> dict[str, str]:
        claims = {}
        for line in self.cleaned_data["claims"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(f"write each claim as name=value, not {line[:100]!r}.")
            claims[name.strip()] = value.strip()
        return claims

    def spec(self) -> PublisherSpec:
        return PublisherSpec(kind=self.kind, **self.cleaned_data)


FORMS: dict[str, type[forms.Form]] = {
    "github": GitHubPublisherForm,
    "gitlab": GitLabPublisherForm,
    "generic": GenericPublisherForm,
}


class PendingNameForm(forms.Form):
    project_name = forms.CharField(
        max_length=200, help_text="The name the first upload will register (not taken yet)."
    )
