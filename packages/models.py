"""The package index: projects, releases, files, roles, invitations and project history."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from packaging.version import InvalidVersion, Version

from accounts.invitations import Invitation
from accounts.models import AuditEvent
from organizations.models import Organization, OrganizationRole, Team, TeamMember

# The stronger of two project roles wins (direct, through a team, or as organization Owner).
ROLE_STRENGTH = {"Owner": 2, "Maintainer": 1}


class ProjectQuerySet(models.QuerySet):
    def for_name(self, name: str) -> ProjectQuerySet:
        """The project whose normalized name matches name's."""
        from .names import normalize

        return self.filter(normalized_name=normalize(name))

    def visible_to(self, user) -> ProjectQuerySet:
        """Projects user has a role on: their own, through a team, or as organization Owner."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(roles__user=user)
            | models.Q(
                organization__status=Organization.Status.ACTIVE,
                team_roles__team__members__user=user,
            )
            | models.Q(
                organization__status=Organization.Status.ACTIVE,
                organization__roles__user=user,
                organization__roles__role=OrganizationRole.Kind.OWNER,
            )
        ).distinct()

    def listed(self) -> ProjectQuerySet:
        """Projects the public index shows (not quarantined by staff)."""
        return self.filter(quarantined_at__isnull=True)


class Project(models.Model):
    """A project on the index; its normalized name (PEP 503) is unique."""

    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, unique=True)
    # Look-alike key (see names.similarity_key); a new project may not share it.
    similarity_key = models.CharField(max_length=200, db_index=True, default="")
    created = models.DateTimeField(default=timezone.now)
    require_two_factor = models.BooleanField(
        default=False, help_text="Refuse uploads from collaborators without two-factor auth."
    )
    # Set on the publishing page: uploads only through the project's trusted publishers.
    require_trusted_publishing = models.BooleanField(
        default=False, help_text="Refuse uploads with personal and organization tokens."
    )
    # Grows on every change; PyPI's JSON API calls it last_serial, we also key caches on it.
    last_serial = models.PositiveBigIntegerField(default=0)
    total_size = models.PositiveBigIntegerField(default=0)
    # Set by staff (packages.takedown): hidden from the index and JSON API, uploads refused.
    quarantined_at = models.DateTimeField(null=True, blank=True)
    quarantine_reason = models.CharField(max_length=500, blank=True)
    # The organization that owns it (None: its Owners own it); its Owners are Owners here.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["normalized_name"]
        permissions = [
            ("takedown", "Can quarantine projects and remove releases and files (support staff)"),
        ]

    def __str__(self) -> str:
        return self.name

    def role_sources(self, user) -> list[tuple[str, str]]:
        """(role, where it comes from) for every way user holds a role on the project."""
        if user is None or not getattr(user, "is_authenticated", False) or self.pk is None:
            return []
        sources = [
            (role, "direct")
            for role in Role.objects.filter(project=self, user=user).values_list("role", flat=True)
        ]
        organization = self.organization if self.organization_id else None
        if organization is not None and organization.is_active:
            teams = TeamProjectRole.objects.filter(project=self, team__members__user=user)
            sources += [
                (role, f"team {name}") for name, role in teams.values_list("team__name", "role")
            ]
            if organization.role_of(user) == OrganizationRole.Kind.OWNER:
                sources.append((Role.Kind.OWNER, f"Owner of organization {organization.name}"))
        return sources

    def role_of(self, user) -> str | None:
        """The user's strongest role on the project (direct, team or organization), or None."""
        roles = [role for role, _source in self.role_sources(user)]
        return max(roles, key=ROLE_STRENGTH.__getitem__) if roles else None

    def collaborators(self) -> list[dict]:
        """Everyone with a role, strongest first: user, role and where each role comes from."""
        people: dict[int, dict] = {}

        def add(user, role: str, source: str) -> None:
            entry = people.setdefault(user.pk, {"user": user, "role": role, "sources": []})
            entry["sources"].append(f"{role} ({source})")
            if ROLE_STRENGTH[role] > ROLE_STRENGTH[entry["role"]]:
                entry["role"] = role

        for role in self.roles.select_related("user"):
            add(role.user, role.role, "direct")
        organization = self.organization if self.organization_id else None
        if organization is not None and organization.is_active:
            team_roles = TeamProjectRole.objects.filter(project=self).select_related("team")
            by_team = {tr.team_id: tr for tr in team_roles}
            members = TeamMember.objects.filter(team_id__in=list(by_team)).select_related("user")
            for member in members:
                team_role = by_team[member.team_id]
                add(member.user, team_role.role, f"team {team_role.team.name}")
            owners = OrganizationRole.objects.filter(
                organization=organization, role=OrganizationRole.Kind.OWNER
            ).select_related("user")
            for owner in owners:
                add(owner.user, Role.Kind.OWNER, f"Owner of organization {organization.name}")
        return sorted(
            people.values(), key=lambda p: (-ROLE_STRENGTH[p["role"]], p["user"].username.lower())
        )


class Role(models.Model):
    """A user's role on a project."""

    class Kind(models.TextChoices):
        OWNER = "Owner", "Owner"
        MAINTAINER = "Maintainer", "Maintainer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_roles"
    )
    role = models.CharField(max_length=20, choices=Kind.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="packages_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.project}"


class TeamProjectRole(models.Model):
    """An organization team's role on one of the organization's projects."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="project_roles")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team_roles")
    role = models.CharField(max_length=20, choices=Role.Kind.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "team__normalized_name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "project"], name="packages_team_role_unique"),
        ]

    def __str__(self) -> str:
        return f"team {self.team} is {self.role} of {self.project}"


class RoleInvitation(Invitation):
    """An Owner's pending invitation for a user to take a role; expires."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_invitations"
    )
    role = models.CharField(max_length=20, choices=Role.Kind.choices)

    class Meta(Invitation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["project", "invitee"], name="packages_invitation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} invited as {self.role} of {self.project}"


def web_url(value: object) -> str:
    """value if it is an http(s) address, else "" (metadata URLs are the uploader's words)."""
    # A javascript: or data: link on the project page would run in this site's origin.
    url = str(value or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


class Release(models.Model):
    """One version of a project with its core metadata (from the first file uploaded)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=100)
    # Version(version) normalized: "1.0" and "1.0.0" are the same release.
    canonical_version = models.CharField(max_length=100)
    created = models.DateTimeField(default=timezone.now)
    metadata_version = models.CharField(max_length=10, blank=True)
    summary = models.CharField(max_length=512, blank=True)
    description = models.TextField(blank=True)
    description_content_type = models.CharField(max_length=200, blank=True)
    # The description rendered once at upload and sanitized (packages.readme): a page view
    # never renders it again, whatever its size.
    description_html = models.TextField(blank=True)
    keywords = models.CharField(max_length=1000, blank=True)
    home_page = models.CharField(max_length=1000, blank=True)
    download_url = models.CharField(max_length=1000, blank=True)
    author = models.CharField(max_length=500, blank=True)
    author_email = models.CharField(max_length=500, blank=True)
    maintainer = models.CharField(max_length=500, blank=True)
    maintainer_email = models.CharField(max_length=500, blank=True)
    license = models.TextField(blank=True)
    license_expression = models.CharField(max_length=500, blank=True)
    classifiers = models.JSONField(default=list, blank=True)
    platform = models.CharField(max_length=500, blank=True)
    requires_python = models.CharField(max_length=200, blank=True)
    requires_dist = models.JSONField(default=list, blank=True)
    provides_extra = models.JSONField(default=list, blank=True)
    project_urls = models.JSONField(default=dict, blank=True)
    yanked = models.BooleanField(default=False)
    yanked_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "canonical_version"], name="packages_release_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.version}"

    @property
    def home_page_url(self) -> str:
        """The Home-page as a link, if it is a web address."""
        return web_url(self.home_page)

    @property
    def link_urls(self) -> list[tuple[str, str]]:
        """The Project-URLs that are web addresses, as (label, url) sorted by label."""
        links = (self.project_urls or {}).items()
        return sorted((str(label), web_url(url)) for label, url in links if web_url(url))

    @property
    def parsed_version(self) -> Version:
        try:
            return Version(self.version)
        except InvalidVersion:  # stored versions were validated; keep sorting total anyway
            return Version("0")


class File(models.Model):
    """A distribution file. Its filename can never be used again, even after deletion."""

    class PackageType(models.TextChoices):
        WHEEL = "bdist_wheel", "Wheel"
        SDIST = "sdist", "Source distribution"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=500, unique=True)
    packagetype = models.CharField(max_length=20, choices=PackageType.choices)
    python_version = models.CharField(max_length=100)
    requires_python = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, unique=True)
    blake2_256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32)
    upload_time = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    upload_token = models.ForeignKey(
        "tokens.Token", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Storage key (content-addressed: ab/cd/<sha256>/<filename>); never chosen by storage.
    path = models.CharField(max_length=700, unique=True)
    # PEP 658: the wheel's METADATA, stored at path + ".metadata"; empty for sdists.
    metadata_sha256 = models.CharField(max_length=64, blank=True)
    metadata_blake2_256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["filename"]

    def __str__(self) -> str:
        return self.filename

    @property
    def has_metadata(self) -> bool:
        return bool(self.metadata_sha256)

    @property
    def metadata_path(self) -> str:
        return self.path + ".metadata"

    @property
    def url(self) -> str:
        return settings.FILES_URL + self.path


class FilenameUse(models.Model):
    """Every filename ever uploaded; kept when the file is deleted so it is never reused."""

    filename = models.CharField(max_length=500, unique=True)
    project_name = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class ProjectEvent(AuditEvent):
    """One line of a project's history, tagged `project:<subject>:<action>`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["project", "-created"])]

    def __str__(self) -> str:
        return f"{self.tag} ({self.project})"
