"""Establishment pages: "Mes établissements", claim, "Mon établissement", members, invitations.

Views stay thin: every establishment is fetched through the scoped selectors (another tenant's → 404), every write
goes through ``services`` whose ``OnboardingError`` message is shown as is.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import ClaimForm, InvitationForm, RefuseForm, RoleForm
from .models import AccessRequest, Establishment, Invitation, Membership
from .participation import sections_for
from .roles import Capability, Role
from .selectors import (
    can,
    establishment_memberships,
    establishments_for,
    establishments_where,
    invitations_for_user,
    is_staff_user,
    my_establishments_list,
    pending_access_requests,
    pending_invitations,
    user_access_requests,
)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _visible(request: HttpRequest, establishment_pk: int) -> Establishment:
    """An establishment the user may see (member, or staff of its region), else 404."""
    return get_object_or_404(
        establishments_for(request.user).select_related("region", "department", "category", "organisation"),
        pk=establishment_pk,
    )


def _managed(request: HttpRequest, establishment_pk: int) -> Establishment:
    """An establishment whose members the user manages (director), else 404: others never learn it exists."""
    return get_object_or_404(
        establishments_where(request.user, Capability.MANAGE_MEMBERS).select_related("region", "organisation"),
        pk=establishment_pk,
    )


def _sheet_available(establishment: Establishment) -> bool:
    """Whether the reports app serves the establishment sheet (PDF) here."""
    try:
        reverse("reports:request", kwargs={"establishment_pk": establishment.pk})
    except NoReverseMatch:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# Lists and home page
# ---------------------------------------------------------------------------------------------------------------


def my_establishments(request: HttpRequest) -> HttpResponse:
    establishments = list(my_establishments_list(request.user))
    return render(
        request,
        "establishments/mine.html",
        {
            "establishments": establishments,
            "access_requests": list(user_access_requests(request.user)),
            "invitations": list(invitations_for_user(request.user)),
            "is_staff_user": is_staff_user(request.user),
        },
    )


def establishment_home(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _visible(request, establishment_pk)
    manages = can(request.user, establishment, Capability.MANAGE_MEMBERS)
    memberships = list(establishment_memberships(establishment).filter(is_active=True))
    return render(
        request,
        "establishments/home.html",
        {
            "establishment": establishment,
            "manages": manages,
            "memberships": memberships,
            "access_requests": list(pending_access_requests(establishment)) if manages else [],
            "sections": sections_for(request, establishment),
            "sheet_available": _sheet_available(establishment),
            "refuse_form": RefuseForm(),
        },
    )


def members(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _visible(request, establishment_pk)
    manages = can(request.user, establishment, Capability.MANAGE_MEMBERS)
    memberships = list(establishment_memberships(establishment))
    return render(
        request,
        "establishments/members.html",
        {
            "establishment": establishment,
            "manages": manages,
            "active": [m for m in memberships if m.is_active],
            "past": [m for m in memberships if not m.is_active],
            "invitations": list(pending_invitations(establishment)) if manages else [],
            "access_requests": list(pending_access_requests(establishment)) if manages else [],
            "role_choices": Role.choices,
            "refuse_form": RefuseForm(),
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# Claim
# ---------------------------------------------------------------------------------------------------------------


def claim(request: HttpRequest) -> HttpResponse:
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.claim_establishment(
                request.user,
                form.cleaned_data["finess"],
                message=form.cleaned_data["message"],
                role=form.cleaned_data["role"],
                base_url=_base_url(request),
                function=form.cleaned_data["function"],
            )
        except services.OnboardingError as exc:
            form.add_error("finess", exc.message)
        else:
            if result.is_director:
                messages.success(
                    request,
                    _("Vous êtes maintenant directeur de « %(name)s » sur le portail. Invitez vos collègues.")
                    % {"name": result.establishment.name},
                )
                return redirect("establishments:home", establishment_pk=result.establishment.pk)
            if result.access_request.without_director:
                notice = _(
                    "Votre demande pour rejoindre « %(name)s » est envoyée au CRRC : l'établissement n'a pas encore de "
                    "directeur sur le portail, le CRRC vérifie votre demande avant de vous ouvrir l'accès. Vous "
                    "recevrez un e-mail."
                )
            else:
                notice = _(
                    "Votre demande pour rejoindre « %(name)s » est envoyée : un directeur de l'établissement ou le "
                    "CRRC va la traiter. Vous recevrez un e-mail."
                )
            messages.info(request, notice % {"name": result.establishment.name})
            return redirect("establishments:mine")
    return render(request, "establishments/claim.html", {"form": form})


# ---------------------------------------------------------------------------------------------------------------
# Access requests (directors)
# ---------------------------------------------------------------------------------------------------------------


def _pending_request(establishment: Establishment, request_pk: int) -> AccessRequest:
    return get_object_or_404(AccessRequest.objects.select_related("user"), pk=request_pk, establishment=establishment)


@require_POST
def approve_request(request: HttpRequest, establishment_pk: int, request_pk: int) -> HttpResponse:
    establishment = _managed(request, establishment_pk)
    access_request = _pending_request(establishment, request_pk)
    try:
        services.approve_access_request(access_request, request.user, base_url=_base_url(request))
    except services.OnboardingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(user)s a rejoint l'établissement.") % {"user": access_request.user})
    return redirect("establishments:members", establishment_pk=establishment.pk)


def refuse_request(request: HttpRequest, establishment_pk: int, request_pk: int) -> HttpResponse:
    establishment = _managed(request, establishment_pk)
    access_request = _pending_request(establishment, request_pk)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.refuse_access_request(
                access_request, request.user, form.cleaned_data["reason"], base_url=_base_url(request)
            )
        except services.OnboardingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("La demande de %(user)s est refusée.") % {"user": access_request.user})
        return redirect("establishments:members", establishment_pk=establishment.pk)
    return render(
        request,
        "establishments/refuse.html",
        {"establishment": establishment, "access_request": access_request, "form": form},
    )


# ---------------------------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------------------------


def invite(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _managed(request, establishment_pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_member(
                establishment,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                request.user,
                base_url=_base_url(request),
            )
        except services.OnboardingError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s : elle est valable 14 jours.") % {"email": invitation.email},
            )
            return redirect("establishments:members", establishment_pk=establishment.pk)
    return render(request, "establishments/invite.html", {"establishment": establishment, "form": form})


@require_POST
def revoke_invitation(request: HttpRequest, establishment_pk: int, invitation_pk: int) -> HttpResponse:
    establishment = _managed(request, establishment_pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, establishment=establishment)
    try:
        services.revoke_invitation(invitation, request.user)
    except services.OnboardingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("L'invitation de %(email)s est annulée.") % {"email": invitation.email})
    return redirect("establishments:members", establishment_pk=establishment.pk)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: shows whom the invitation is from only to the address it was sent to."""
    found = Invitation.objects.select_related("establishment", "invited_by").filter(token=token).first()
    if found is None:
        raise Http404
    addressed_to_me = found.email.lower() in services.user_emails(request.user)
    error = None
    if request.method == "POST" and addressed_to_me:
        try:
            services.accept_invitation(found, request.user)
        except services.OnboardingError as exc:
            error = exc.message
        else:
            messages.success(request, _("Bienvenue dans « %(name)s » !") % {"name": found.establishment.name})
            return redirect("establishments:home", establishment_pk=found.establishment_id)
    # Another account holding the link: 403 with the way out, and nothing about the establishment.
    return render(
        request,
        "establishments/invitation.html",
        {"invitation": found, "addressed_to_me": addressed_to_me, "error": error},
        status=200 if addressed_to_me else 403,
    )


# ---------------------------------------------------------------------------------------------------------------
# Members: role change (htmx inline) and removal
# ---------------------------------------------------------------------------------------------------------------


def _direct_membership(establishment: Establishment, membership_pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), pk=membership_pk, establishment=establishment)


def _member_row(request: HttpRequest, establishment: Establishment, membership: Membership, **extra) -> HttpResponse:
    return render(
        request,
        "establishments/members.html#member_row",
        {
            "establishment": establishment,
            "manages": True,
            "membership": membership,
            "role_choices": Role.choices,
            **extra,
        },
    )


@require_POST
def change_role(request: HttpRequest, establishment_pk: int, membership_pk: int) -> HttpResponse:
    establishment = _managed(request, establishment_pk)
    membership = _direct_membership(establishment, membership_pk)
    form = RoleForm(request.POST)
    error = success = None
    if not form.is_valid():
        error = _("Choisissez un rôle dans la liste.")
    else:
        try:
            services.change_role(membership, form.cleaned_data["role"], request.user)
        except services.OnboardingError as exc:
            error = exc.message
        else:
            success = _("Rôle de %(user)s : %(role)s.") % {
                "user": membership.user,
                "role": membership.get_role_display(),
            }
    if request.htmx:
        membership.refresh_from_db()
        return _member_row(request, establishment, membership, row_error=error, row_success=success)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect("establishments:members", establishment_pk=establishment.pk)


def deactivate(request: HttpRequest, establishment_pk: int, membership_pk: int) -> HttpResponse:
    establishment = _managed(request, establishment_pk)
    membership = _direct_membership(establishment, membership_pk)
    if not membership.is_active:
        raise Http404
    if request.method == "POST":
        try:
            services.deactivate_membership(membership, request.user)
        except services.OnboardingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(user)s ne fait plus partie de l'établissement ; son historique est conservé.")
                % {"user": membership.user},
            )
        return redirect("establishments:members", establishment_pk=establishment.pk)
    return render(request, "establishments/deactivate.html", {"establishment": establishment, "membership": membership})
