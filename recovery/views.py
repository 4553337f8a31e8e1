"""The claimant's and owner's pages: no sign-in, tokenized links, thin over services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.events import client_ip
from core import limits
from core.errors import RateLimited, add_error_headers

from . import services
from .forms import AnswerForm, RecoveryRequestForm, SetPasswordForm
from .models import TicketLink

Purpose = TicketLink.Purpose

RATE_LIMITED = (
    "Too many recovery requests came from your network or for this account. Wait an hour and "
    "try again; if you already filed a request, confirm it from the email we sent you."
)


def _done(request: HttpRequest, heading: str, text: str) -> HttpResponse:
    return render(request, "recovery/done.html", {"heading": heading, "text": text})


@require_http_methods(["GET", "POST"])
def request_recovery(request: HttpRequest) -> HttpResponse:
    form = RecoveryRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Both limits count every valid request; the account key is the identifier as typed,
        # so the limit behaves the same whether or not the account exists.
        try:
            limits.consume("recovery_ip", client_ip(request) or "unknown")
            limits.consume("recovery_account", data["account"])
        except RateLimited as error:
            response = render(
                request,
                "recovery/request.html",
                {"form": form, "error": RATE_LIMITED},
                status=429,
            )
            return add_error_headers(response, error)
        services.ticket_create(
            claimed_account=data["account"],
            contact_email=data["contact_email"],
            lost=data["lost"],
            repository_urls=data["repository_urls"],
            claimed_projects=data["projects"],
            claimed_last_sign_in=data["last_sign_in"],
            other_evidence=data["other_evidence"],
            request=request,
        )
        request.session["recovery_contact"] = data["contact_email"]
        return redirect("recovery:sent")
    return render(request, "recovery/request.html", {"form": form})


def code_of_conduct(request: HttpRequest) -> HttpResponse:
    return render(request, "recovery/code_of_conduct.html")


def request_sent(request: HttpRequest) -> HttpResponse:
    contact = request.session.get("recovery_contact", "")
    return render(request, "recovery/sent.html", {"contact": contact})


@require_http_methods(["GET", "POST"])
def verify_contact(request: HttpRequest, token: str) -> HttpResponse:
    link = services.link_lookup(token=token, purpose=Purpose.VERIFY_CONTACT)
    if request.method == "POST":
        ticket = services.ticket_verify_contact(token=token, request=request)
        return _done(
            request,
            "Email confirmed",
            f"Request {ticket.reference} is now with our support staff. Review can take several "
            "days; we will email you at every step.",
        )
    return render(request, "recovery/confirm.html", {"link": link, "ticket": link.ticket})


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    link = services.link_lookup(token=token, purpose=Purpose.CANCEL)
    if request.method == "POST":
        ticket = services.ticket_cancel_by_owner(token=token, request=request)
        return _done(
            request,
            "Recovery cancelled",
            f"Request {ticket.reference} is closed and can no longer change your account. "
            "If you did not sign in for a while, now is a good time to check your password "
            "and two-factor settings.",
        )
    return render(request, "recovery/cancel.html", {"ticket": link.ticket})


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    link = services.link_lookup(token=token, purpose=Purpose.ANSWER)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = services.ticket_answer(
            token=token,
            answer=form.cleaned_data["answer"],
            code=form.cleaned_data["code"],
            request=request,
        )
        return _done(
            request,
            "Answer received",
            f"Your answer was added to request {ticket.reference}; our staff will read it.",
        )
    question = link.ticket.events.filter(action="info_requested").last()
    return render(
        request,
        "recovery/answer.html",
        {"form": form, "ticket": link.ticket, "question": question.reason if question else ""},
    )


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, token: str) -> HttpResponse:
    link = services.link_lookup(token=token, purpose=Purpose.SET_PASSWORD)
    form = SetPasswordForm(request.POST or None, user=link.ticket.account)
    if request.method == "POST" and form.is_valid():
        user = services.ticket_set_password(
            token=token, password=form.cleaned_data["password1"], request=request
        )
        messages.success(request, f"Your new password is set. Sign in as {user.username}.")
        return redirect("account_login")
    return render(request, "recovery/set_password.html", {"form": form, "ticket": link.ticket})
