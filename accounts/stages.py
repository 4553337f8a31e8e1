"""The sign-in second step as an allauth login stage (allauth pinned to 65.21.x).

After the password, allauth runs the adapter's login stages before it logs the session in.
TwoFactorStage sends an account with a second factor to /accounts/two-factor/; that page
exits the stage only when a factor passes, so a half-signed-in session is never logged in
and reaches nothing else. allauth expires the pending sign-in after ACCOUNT_LOGIN_TIMEOUT.
The flow is covered by tests/accounts/test_twofactor_login.py.
"""

from __future__ import annotations

# allauth.account.stages must not be the first allauth module imported (circular import).
import allauth.account.internal  # noqa: F401
from allauth.account.stages import LoginStage, LoginStageController
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .reauth import mark_reauthenticated
from .twofactor import user_has_two_factor


class TwoFactorStage(LoginStage):
    """After the password: accounts with a second factor must pass it at /accounts/two-factor/."""

    key = "wharf_two_factor"
    urlname = "accounts:two_factor_login"

    def handle(self) -> tuple[HttpResponse | None, bool]:
        user = self.login.user
        # A passkey (accounts.passkeys) is both factors at once: nothing more to ask.
        passkey_used = getattr(getattr(user, "otp_device", None), "passkey", False)
        if user is None or passkey_used or not user_has_two_factor(user):
            # The password was just entered: it counts as a fresh re-authentication.
            mark_reauthenticated(self.request)
            return None, True
        self.state["required"] = True
        return HttpResponseRedirect(reverse(self.urlname)), True


def pending_two_factor_stage(request: HttpRequest) -> TwoFactorStage | None:
    """The half-signed-in sign-in waiting for its second factor, if any (and not expired)."""
    if request.user.is_authenticated:
        return None
    stage = LoginStageController.enter(request, TwoFactorStage.key)
    return stage if isinstance(stage, TwoFactorStage) else None
