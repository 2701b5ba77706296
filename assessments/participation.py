"""The "Évaluations" section of "Mon établissement"."""

from django.utils.translation import gettext_lazy as _

from .models import Assessment


def _context(request, establishment) -> dict:
    assessments = list(
        Assessment.objects.for_user(request.user)
        .filter(establishment=establishment)
        .select_related("grid")
        .order_by("-created_at")[:5]
    )
    return {"assessments": assessments}


def register_section() -> None:
    try:
        from establishments.participation import Section, register
    except ImportError:  # onboarding app without a participation registry
        return
    register(
        Section(
            key="assessments",
            title=_("Évaluations de maturité cyber"),
            order=30,
            template="assessments/participation.html#section",
            context=_context,
        )
    )
