from __future__ import annotations

from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("org/<str:org>/", views.public_page, name="page"),
    path("manage/organizations/", views.organizations, name="list"),
    path("manage/organization/<str:org>/", views.manage, name="manage"),
    path("manage/organization/<str:org>/teams/", views.teams, name="teams"),
]
