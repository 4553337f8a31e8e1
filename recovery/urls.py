from __future__ import annotations

from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("", views.request_recovery, name="request"),
    path("sent/", views.request_sent, name="sent"),
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("verify/<str:token>/", views.verify_contact, name="verify"),
    path("cancel/<str:token>/", views.cancel, name="cancel"),
    path("answer/<str:token>/", views.answer, name="answer"),
    path("password/<str:token>/", views.set_password, name="set_password"),
]
