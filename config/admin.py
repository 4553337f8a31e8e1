from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_otp.admin import OTPAdminSite


class WharfAdminSite(OTPAdminSite):
    """Staff only, and only after a second factor in this session."""

    site_header = "Wharf administration"
    site_title = "Wharf admin"
    index_title = "Support and administration"

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Sign-in and the second factor happen on the site's pages (limits, events, keys)."""
        from accounts.reauth import redirect_to_reauthenticate
        from accounts.twofactor import user_has_two_factor

        next_url = request.GET.get("next") or request.path.removesuffix("login/")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        if user.is_active and user.is_staff and not user.is_verified():
            if not user_has_two_factor(user):
                message = (
                    "Staff need two-factor authentication for the admin: add an authenticator "
                    "app or a security key at /manage/account/two-factor/, then come back."
                )
                return render(request, "error.html", {"message": message}, status=403)
            return redirect_to_reauthenticate(request, next_url)
        return super().login(request, extra_context)
