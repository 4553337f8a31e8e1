"""Finding projects: the home page, /search/ and /projects/ (public, read-only).

PostgreSQL ranks with full-text search over the name (weight A) and the latest release's
summary (weight B); SQLite, used in development and one CI pass, matches every word as a
substring of either. A project's summary is its newest release's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .models import Project, Release
from .names import normalize

PER_PAGE = 20
MAX_QUERY = 200


@dataclass(frozen=True)
class Listing:
    """One project as the lists show it."""

    name: str
    normalized_name: str
    summary: str
    version: str
    updated: object


def _latest(field: str) -> Subquery:
    newest = Release.objects.filter(project=OuterRef("pk")).order_by("-created", "-pk")
    return Subquery(newest.values(field)[:1])


def with_latest_release(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate each project with its newest release's summary, version and date."""
    return projects.annotate(
        latest_summary=Coalesce(_latest("summary"), Value(""), output_field=CharField()),
        latest_version=Coalesce(_latest("version"), Value(""), output_field=CharField()),
        updated=Coalesce(_latest("created"), "created", output_field=DateTimeField()),
    )


def search_projects(query: str) -> QuerySet[Project]:
    """Projects matching query, best first; an exact name match always leads."""
    projects = with_latest_release(Project.objects.all())
    exact = Case(
        When(normalized_name=normalize(query), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    projects = projects.annotate(exact=exact)
    words = query.split()
    if connection.vendor == "postgresql":
        # Names like "harbour-lights" index as separate words too.
        vector = SearchVector(
            Replace(Replace("name", Value("-"), Value(" ")), Value("_"), Value(" ")), weight="A"
        ) + SearchVector("latest_summary", weight="B")
        wanted = SearchQuery(query, search_type="websearch")
        substring = Q(normalized_name__contains=normalize(query))
        # Filter on the match itself: ts_rank gives non-matches a tiny positive rank.
        return (
            projects.annotate(document=vector, rank=SearchRank(vector, wanted))
            .filter(Q(document=wanted) | substring)
            .order_by("-exact", "-rank", "normalized_name")
        )
    for word in words:
        projects = projects.filter(Q(name__icontains=word) | Q(latest_summary__icontains=word))
    return projects.order_by("-exact", "normalized_name")


def _listings(page: Page) -> list[Listing]:
    return [
        Listing(
            name=p.name,
            normalized_name=p.normalized_name,
            summary=p.latest_summary,
            version=p.latest_version,
            updated=p.updated,
        )
        for p in page.object_list
    ]


def _page(request: HttpRequest, projects: QuerySet[Project]) -> Page:
    return Paginator(projects, PER_PAGE).get_page(request.GET.get("page"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    recent = with_latest_release(Project.objects.all()).order_by("-updated", "normalized_name")
    newest = with_latest_release(Project.objects.all()).order_by("-created", "normalized_name")
    return render(
        request,
        "home.html",
        {
            "recent": _listings(Paginator(recent, 8).get_page(1)),
            "newest": _listings(Paginator(newest, 8).get_page(1)),
            "project_count": Project.objects.count(),
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(str(request.GET.get("q", "")).replace("\x00", "").split())[:MAX_QUERY]
    page = _page(request, search_projects(query)) if query else None
    return render(
        request,
        "packages/search.html",
        {
            "search_query": query,
            "page": page,
            "results": _listings(page) if page else [],
        },
    )


@require_safe
def browse(request: HttpRequest) -> HttpResponse:
    sort = "recent" if request.GET.get("sort") == "recent" else "name"
    projects = with_latest_release(Project.objects.all())
    order = ("-updated", "normalized_name") if sort == "recent" else ("normalized_name",)
    page = _page(request, projects.order_by(*order))
    return render(
        request,
        "packages/projects.html",
        {"page": page, "results": _listings(page), "sort": sort},
    )
