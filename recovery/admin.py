"""Staff review of recovery tickets: evidence read-only; every change is a button on a service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django_otp import devices_for_user

from accounts.models import AccountEvent, User
from core.errors import NotAllowed, NotFound, WharfError
from core.permissions import Action, can
from packages.models import Role
from tokens.models import Token

from . import services
from .checks import compute_checks
from .models import Ticket
from .permissions import SUPPORT_STAFF_GROUP
from .proofs import NO_PROOF, proofs_held


class AccountMatchedFilter(admin.SimpleListFilter):
    title = "account matched"
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No such account")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(account__isnull=False)
        if self.value() == "no":
            return queryset.filter(account__isnull=True)
        return queryset


def _id(value: str) -> int:
    """A posted id; anything but a plain number names nothing (0), never a 500."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


def _countdown(ticket: Ticket) -> str:
    left = ticket.waiting_left
    if left is None:
        return ""
    if not left:
        return "due now"
    hours, rest = divmod(int(left.total_seconds()), 3600)
    return f"{hours} h {rest // 60} min left"


def _duration(period) -> str:
    hours = int(period.total_seconds() // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"


def account_overview(user: User) -> dict[str, Any]:
    """What staff need to know about the account under claim, ready to display."""
    return {
        "user": user,
        "emails": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in user.emailaddress_set.all()
        ],
        "devices": [
            {
                "kind": type(d).__name__,
                "name": d.name,
                "confirmed": d.confirmed,
            }
            for d in devices_for_user(user, confirmed=None)
        ],
        "tokens": list(Token.objects.filter(user=user).order_by("-created")[:50]),
        "roles": list(Role.objects.filter(user=user).select_related("project")),
        "events": list(AccountEvent.objects.for_user(user)[:20]),
        "usable_password": user.has_usable_password(),
    }


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "status",
        "claimed_account",
        "account",
        "contact_email",
        "age",
        "assigned_to",
        "countdown",
    )
    list_filter = (
        "status",
        AccountMatchedFilter,
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        "created",
    )
    search_fields = (
        "reference",
        "claimed_account",
        "contact_email",
        "account__username",
        "account__emailaddress__email",
    )
    list_select_related = ("account", "assigned_to")
    date_hierarchy = "created"
    change_form_template = "admin/recovery/ticket/change_form.html"
    fieldsets = (
        (
            "Claim",
            {
                "fields": (
                    "reference",
                    "status",
                    "claimed_account",
                    "account",
                    "contact_email",
                    "contact_verified_at",
                    "lost_labels",
                    "created",
                    "ip_address",
                    "user_agent",
                )
            },
        ),
        (
            "Evidence",
            {
                "fields": (
                    "repository_links",
                    "claimed_project_names",
                    "claimed_last_sign_in",
                    "other_evidence",
                    "agreed_code_of_conduct_at",
                    "acknowledged_review_time_at",
                )
            },
        ),
        (
            "Decision",
            {
                "fields": (
                    "assigned_to",
                    "remedy_labels",
                    "approved_at",
                    "effective_at",
                    "countdown",
                    "closed_at",
                )
            },
        ),
    )
    readonly_fields = (
        "countdown",
        "lost_labels",
        "repository_links",
        "claimed_project_names",
        "remedy_labels",
    )

    @admin.display(description="what was lost")
    def lost_labels(self, ticket: Ticket) -> str:
        return ", ".join(str(Ticket.Lost(v).label) for v in ticket.lost if v in Ticket.Lost)

    @admin.display(description="repository URLs")
    def repository_links(self, ticket: Ticket) -> str:
        # Claimant-supplied URLs: escaped, and opened without sending the admin as referrer.
        return (
            format_html_join(
                mark_safe("<br>"),
                '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
                ((url, url) for url in ticket.repository_urls),
            )
            or "-"
        )

    @admin.display(description="claimed projects")
    def claimed_project_names(self, ticket: Ticket) -> str:
        return ", ".join(ticket.claimed_projects) or "-"

    @admin.display(description="remedies")
    def remedy_labels(self, ticket: Ticket) -> str:
        labels = [str(Ticket.Remedy(v).label) for v in ticket.remedies if v in Ticket.Remedy]
        return "; ".join(labels) or "-"

    @admin.display(description="age", ordering="created")
    def age(self, ticket: Ticket) -> str:
        return timesince(ticket.created, timezone.now())

    @admin.display(description="takes effect in")
    def countdown(self, ticket: Ticket) -> str:
        return _countdown(ticket)

    # Status and evidence change only through the actions below, never by editing.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can(request.principal, Action.RECOVERY_VIEW)

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [
            path("<path:object_id>/act/<str:action>/", act, name="recovery_ticket_act"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, unquote(object_id))
        if ticket is not None and self.has_view_permission(request, ticket):
            staff = User.objects.filter(is_active=True, is_staff=True).filter(
                groups__name=SUPPORT_STAFF_GROUP
            ) | User.objects.filter(is_active=True, is_staff=True, is_superuser=True)
            extra_context = {
                **(extra_context or {}),
                "ticket": ticket,
                "checks": compute_checks(ticket),
                "proofs": proofs_held(ticket, approver=request.user),
                "no_proof": NO_PROOF,
                "waiting_period": (
                    _duration(services.waiting_period(ticket.account)) if ticket.account else ""
                ),
                "account": account_overview(ticket.account) if ticket.account else None,
                "user_admin_url": (
                    reverse("admin:accounts_user_change", args=[ticket.account_id])
                    if ticket.account_id and request.user.has_perm("accounts.view_user")
                    else ""
                ),
                "audit_trail": ticket.events.select_related("actor"),
                "challenges": ticket.challenges.all(),
                "countdown": _countdown(ticket),
                "can_review": can(request.principal, Action.RECOVERY_REVIEW),
                "can_approve": can(request.principal, Action.RECOVERY_APPROVE),
                "is_reviewable": ticket.status in Ticket.REVIEWABLE,
                "unanswered": services.unanswered_question(ticket),
                "can_reject": ticket.status in (*Ticket.REVIEWABLE, Ticket.Status.APPROVED),
                "is_final": ticket.is_final,
                # Revoking every token is part of every completion: not a choice.
                "remedy_choices": [
                    (value, label)
                    for value, label in Ticket.Remedy.choices
                    if value != Ticket.Remedy.REVOKE_TOKENS
                ],
                "assignees": staff.distinct().order_by("username"),
                # Each action form posts to <act_base><action>/.
                "act_base": reverse(
                    "admin:recovery_ticket_act", args=[ticket.pk, "note"]
                ).removesuffix("note/"),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def act_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """One button on the ticket page: call the matching service, then back to the ticket."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None or not self.has_view_permission(request, ticket):
            raise PermissionDenied
        data = request.POST
        staff = request.user
        try:
            if any("\x00" in value for _, values in data.lists() for value in values):
                raise WharfError(
                    "The form contained a NUL character, which can't be stored: remove it and "
                    "submit again."
                )
            if action == "assign":
                assignee = None
                if data.get("assignee"):
                    assignee = User.objects.filter(pk=_id(data["assignee"])).first()
                    if assignee is None:
                        raise NotFound("No such staff member; reload the page and choose again.")
                services.ticket_assign(ticket=ticket, staff=staff, assignee=assignee)
                done = f"Assigned to {assignee or 'nobody'}."
            elif action == "note":
                services.ticket_add_note(ticket=ticket, staff=staff, note=data.get("note", ""))
                done = "Note added."
            elif action == "request_info":
                services.ticket_request_info(
                    ticket=ticket, staff=staff, question=data.get("question", "")
                )
                done = "Question sent to the claimant."
            elif action == "approve":
                services.ticket_approve(
                    ticket=ticket,
                    staff=staff,
                    remedies=data.getlist("remedies"),
                    reason=data.get("reason", ""),
                    without_answer=data.get("without_answer") == "on",
                )
                done = "Approved; it takes effect after the waiting period."
            elif action == "endorse":
                services.ticket_endorse(ticket=ticket, staff=staff, reason=data.get("reason", ""))
                done = "Recorded: another staff member can now approve with your endorsement."
            elif action == "reject":
                services.ticket_reject(ticket=ticket, staff=staff, reason=data.get("reason", ""))
                done = "Rejected; the claimant was told why."
            elif action == "spam":
                services.ticket_mark_spam(ticket=ticket, staff=staff, reason=data.get("reason", ""))
                done = "Marked as spam."
            elif action == "challenge":
                services.challenge_send(
                    ticket=ticket, staff=staff, repository_url=data.get("repository_url", "")
                )
                done = "Challenge sent to the claimant."
            elif action == "check_challenge":
                challenge = ticket.challenges.filter(pk=_id(data.get("challenge", ""))).first()
                if challenge is None:
                    raise NotFound("No such challenge on this ticket; reload the page.")
                challenge = services.challenge_check(challenge=challenge, staff=staff)
                done = f"Challenge checked: {challenge.result}."
            else:
                raise NotFound(f"Unknown action {action!r}; use the buttons on the ticket page.")
        except NotAllowed:
            raise
        except WharfError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect("admin:recovery_ticket_change", ticket.pk)
