from __future__ import annotations

from django.urls import path

from . import views

app_name = "publishing"

urlpatterns = [
    path("manage/project/<str:name>/publishing/", views.project_publishing, name="project"),
    path("manage/account/publishing/", views.pending_publishing, name="pending"),
    path(
        "manage/organization/<str:org>/publishing/",
        views.organization_publishing,
        name="organization",
    ),
]
