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
_CORSICA_AS_DIGITS = {"2A": "21", "2B": "22"}


# Luhn's doubled digit, with 9 subtracted above 9, by digit (a table: the national FINESS import checks 95,000 keys).
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
# The same table as a character translation: ``"0123456789"`` → ``"0246813579"``, applied in C by ``str.translate``.
_LUHN_DOUBLED_CHARS = str.maketrans("0123456789", "".join(str(value) for value in _LUHN_DOUBLED))


def luhn_ok(digits: str) -> bool:
    """Luhn check of a string of digits.

    Why the byte sums: the national FINESS import checks ~180,000 keys (FINESS and SIRET); summing the ASCII codes
    of the digits (minus 48 each) and doubling through a translation table keeps the whole check in C, several times
    faster than converting each character with ``int()``. Anything but ASCII digits takes the plain path.
    """
    if digits.isascii() and digits.isdigit():
        odd, even = digits[-1::-2], digits[-2::-2].translate(_LUHN_DOUBLED_CHARS)
        return (sum(odd.encode()) + sum(even.encode()) - 48 * len(digits)) % 10 == 0
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
    return normalised_finess_error(normalise_finess(value))


def normalised_finess_error(number: str) -> str | None:
    """``finess_error`` of a number already through ``normalise_finess`` (the import normalises each number once)."""
    if len(number) != 9:
        return f"Le numéro FINESS doit comporter 9 caractères ({len(number)} saisis)."
    if not FINESS_RE.match(number):
        return "Le numéro FINESS ne contient que des chiffres, sauf en Corse (2A ou 2B au début)."
    corsica = _CORSICA_AS_DIGITS.get(number[:2])
    digits = corsica + number[2:] if corsica else number
    if not luhn_ok(digits):
        return "La clé de contrôle du numéro FINESS est fausse : vérifiez qu'il n'y a pas de faute de frappe."
    return None


def is_valid_finess(value: str) -> bool:
    return finess_error(value) is None


def validate_finess(value: str) -> None:
    error = finess_error(value)
    if error:
        raise ValidationError(error, code="invalid_finess")


_WHITESPACE = re.compile(r"\s")
_SIRET_RE = re.compile(r"\d{14}")


def siret_error(value: str) -> str | None:
    if len(value or "") == 14 and value.isascii() and value.isdigit():
        number = value  # already fourteen ASCII digits: the common case in FINESS files
    else:
        number = _WHITESPACE.sub("", value or "")
        if not _SIRET_RE.fullmatch(number):
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
