from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from accounts.reauth import redirect_to_reauthenticate, safe_next
from accounts.twofactor import user_has_two_factor
from core.urls import absolute_url


class WharfAdminSite(OTPAdminSite):
    """Staff only, and only after a second factor in this session."""

    site_header = "Wharf administration"
    site_title = "Wharf admin"
    index_title = "Support and administration"

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Sign-in and the second factor happen on the site's pages (limits, events, keys)."""
        next_url = request.GET.get("next") or request.path.removesuffix("login/")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        if user.is_active and user.is_staff and not user.is_verified():
            if not user_has_two_factor(user):
                message = (
                    "Staff need two-factor authentication for the admin: add an authenticator "
                    f"app or a security key at {absolute_url('accounts:two_factor')}, then "
                    "come back."
                )
                return render(request, "error.html", {"message": message}, status=403)
            return redirect_to_reauthenticate(request, next_url)
        if self.has_permission(request):
            return HttpResponseRedirect(safe_next(request, next_url, reverse("admin:index")))
        # Never django's own admin sign-in form: it would check any account's password (and
        # code) without the site's limits, and swap this session for that account's.
        message = (
            "This account is not a staff account, so it cannot use the admin. Sign out and "
            "sign in with a staff account (with its second factor) to continue."
        )
        return render(request, "error.html", {"message": message}, status=403)
