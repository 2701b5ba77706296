"""The "Exercices de crise" section of "Mon établissement": the next exercise, the past ones, what to do next."""

from django.utils.translation import gettext_lazy as _


def _context(request, establishment) -> dict:
    from .selectors import participation_summary

    return participation_summary(request.user, establishment)


def register_section() -> None:
    from establishments.participation import Section, register

    register(
        Section(
            key="exercises",
            title=_("Exercices de crise"),
            order=50,
            template="exercises/participation.html#section",
            context=_context,
        )
    )
