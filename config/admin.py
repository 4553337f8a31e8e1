from __future__ import annotations

from django_otp.admin import OTPAdminSite


class WharfAdminSite(OTPAdminSite):
    """Staff only, and only after a second factor in this session."""

    site_header = "Wharf administration"
    site_title = "Wharf admin"
    index_title = "Support and administration"
