from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import AccountEvent


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    events = AccountEvent.objects.for_user(request.user)[:50]
    return render(request, "accounts/account.html", {"events": events})
