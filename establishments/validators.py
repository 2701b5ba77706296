"""FINESS and SIRET check keys, hex colours.

FINESS: Luhn over the nine characters, Corsica's ``2A``/``2B`` read as ``21``/``22``.
SIRET: Luhn over fourteen digits, except La Poste (SIREN 356000000), whose establishments may instead have a
digit sum divisible by 5.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FINESS_RE = re.compile(r"^(\d{2}|2[AB])\d{7}$")
LA_POSTE_SIREN = "356000000"


# Luhn's doubled digit, with 9 subtracted above 9, by digit (a table: the national FINESS import checks 95,000 keys).
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_ok(digits: str) -> bool:
    values = [int(char) for char in digits]
    total = sum(values[-1::-2]) + sum(_LUHN_DOUBLED[value] for value in values[-2::-2])
    return total % 10 == 0


_FINESS_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_finess(value: str) -> str:
    if len(value or "") == 9 and value.isalnum():
        return value.upper()  # already clean: the common case in files
    return _FINESS_SEPARATORS.sub("", value or "").upper()


def finess_error(value: str) -> str | None:
    """Return why ``value`` is not a valid FINESS number, in French, or None when it is valid."""
    number = normalise_finess(value)
    if len(number) != 9:
        return f"Le numéro FINESS doit comporter 9 caractères ({len(number)} saisis)."
    if not FINESS_RE.match(number):
        return "Le numéro FINESS ne contient que des chiffres, sauf en Corse (2A ou 2B au début)."
    digits = number.replace("2A", "21", 1) if number.startswith("2A") else number
    digits = digits.replace("2B", "22", 1) if number.startswith("2B") else digits
    if not luhn_ok(digits):
        return "La clé de contrôle du numéro FINESS est fausse : vérifiez qu'il n'y a pas de faute de frappe."
    return None


def is_valid_finess(value: str) -> bool:
    return finess_error(value) is None


def validate_finess(value: str) -> None:
    error = finess_error(value)
    if error:
        raise ValidationError(error, code="invalid_finess")


def siret_error(value: str) -> str | None:
    number = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{14}", number):
        return "Le SIRET doit comporter 14 chiffres."
    if luhn_ok(number):
        return None
    if number.startswith(LA_POSTE_SIREN) and sum(int(c) for c in number) % 5 == 0:
        return None
    return "La clé de contrôle du SIRET est fausse."


def is_valid_siret(value: str) -> bool:
    return siret_error(value) is None


def validate_hex_colour(value: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise ValidationError(_("Couleur attendue au format #RRGGBB."), code="invalid_colour")


# A DNS host name (RFC 1123): labels of letters, digits and inner hyphens, at least one dot, no port, no scheme.
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def hostname_error(value: str) -> str | None:
    host = (value or "").strip().lower().rstrip(".")
    if not host or len(host) > 253 or "." not in host:
        return _("Nom d'hôte attendu, par exemple « crrc.esante-occitanie.fr » (sans https:// ni chemin).")
    if not all(_HOST_LABEL.match(label) for label in host.split(".")) or host.split(".")[-1].isdigit():
        return _(
            "Ce nom d'hôte n'est pas valide : lettres sans accent, chiffres, tirets et points seulement, "
            "sans https://, chemin, port ni espace (par exemple « crrc.esante-occitanie.fr »)."
        )
    return None


def validate_hostname(value: str) -> None:
    error = hostname_error(value)
    if error:
        raise ValidationError(error, code="invalid_hostname")


def validate_email_domain(value: str) -> None:
    """The part after the « @ » of an e-mail address, e.g. « chu-toulouse.fr »."""
    if "@" in (value or ""):
        raise ValidationError(_("Saisissez le domaine seul, sans « @ » : par exemple « chu-toulouse.fr »."))
    error = hostname_error(value)
    if error:
        raise ValidationError(
            _("Domaine de messagerie attendu, par exemple « chu-toulouse.fr »."), code="invalid_domain"
        )


LOGO_TYPES = ("png", "jpeg", "webp")
LOGO_MAX_BYTES = 1024 * 1024


def validate_logo(value) -> None:
    """A region's logo: PNG, JPEG or WebP read from its content (an SVG can carry script: refused)."""
    from crrc.uploads import validate_upload

    if getattr(value, "_committed", True):
        return  # the stored logo, checked when it was uploaded
    validate_upload(value, LOGO_TYPES, LOGO_MAX_BYTES)
