from __future__ import annotations

from django.urls import path

from . import manage_views, organization_views, search, views

app_name = "packages"

urlpatterns = [
    path("", search.home, name="home"),
    path("search/", search.search, name="search"),
    path("projects/", search.browse, name="projects"),
    path("legacy/", views.legacy_upload, name="legacy-upload"),
    path("simple/", views.simple_index, name="simple-index"),
    path("simple/<str:name>/", views.simple_project, name="simple-project"),
    path("files/<path:path>", views.serve_file, name="file"),
    path("pypi/<str:name>/json", views.json_project_view, name="json-project"),
    path("pypi/<str:name>/<str:version>/json", views.json_release_view, name="json-release"),
    path("project/<str:name>/", views.project_detail, name="project"),
    path("project/<str:name>/<str:version>/", views.project_detail, name="project-release"),
    path("manage/projects/", manage_views.projects, name="manage-projects"),
    path("manage/project/<str:name>/", manage_views.project, name="manage-project"),
    path(
        "manage/project/<str:name>/collaboration/",
        manage_views.collaboration,
        name="manage-collaboration",
    ),
    path(
        "manage/project/<str:name>/release/<str:version>/",
        manage_views.release,
        name="manage-release",
    ),
    path(
        "manage/organization/<str:org>/projects/",
        organization_views.organization_projects,
        name="organization-projects",
    ),
    path(
        "manage/invitations/<int:invitation_id>/<str:answer>/",
        manage_views.answer_invitation,
        name="answer-invitation",
    ),
]
