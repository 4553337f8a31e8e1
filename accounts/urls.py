from __future__ import annotations

from django.urls import include, path

from . import views

app_name = "accounts"

urlpatterns = [
    path("manage/account/", views.account, name="account"),
    path("", include("accounts.twofactor.urls")),
    path("terms/", views.terms, name="terms"),
]
