"""Unique pupil numbers: the DfE check letter via python-stdnum, with messages a SENCO can act on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.gb import upn as stdnum_upn

_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_ALLOWED = set(_LETTERS + "0123456789")


def validate_upn(value: str) -> str:
    """Return the UPN upper-cased without spaces, or raise ValidationError saying what is wrong."""
    number = stdnum_upn.compact(value or "")
    if len(number) != 13:
        raise ValidationError(
            "A UPN has 13 characters; this one has %(count)d.", code="upn_length", params={"count": len(number)}
        )
    bad = sorted({char for char in number if char not in _ALLOWED})
    if bad:
        raise ValidationError(
            "A UPN uses only digits and the letters A–Z without I, O and S; found %(bad)s.",
            code="upn_characters",
            params={"bad": ", ".join(bad)},
        )
    if not number[1:12].isdigit() or not (number[12].isdigit() or number[12] in _LETTERS):
        raise ValidationError(
            "Characters 2–12 must be digits; a temporary UPN ends in a letter after 11 digits.",
            code="upn_format",
        )
    # The LA number is not checked against a list: LAs are created (Dorset 838 and BCP 839 in 2019, Cumberland
    # 942 in 2023...) and pupils arrive from Wales. `upn_warning` says when it is one we do not know.
    expected = stdnum_upn.calc_check_digit(number[1:])
    if number[0] != expected:
        raise ValidationError(
            "The check letter is wrong: for these 12 characters it should be %(expected)s.",
            code="upn_check_letter",
            params={"expected": expected},
        )
    return number


# English LA numbers made since python-stdnum's list (2011), and the Welsh ones (660–682).
_NEWER_LA_NUMBERS = frozenset({838, 839, 940, 941, 942, 943, *range(660, 683)})


def upn_warning(number: str) -> str | None:
    """A warning, never a refusal, when the UPN's LA number (characters 2–4) is not one we know."""
    la = number[1:4]
    if not la.isdigit() or int(la) in _NEWER_LA_NUMBERS or _known_by_stdnum(la):
        return None
    return f"The LA number {la} (characters 2–4) is not one we know: check the UPN if it is not a new or Welsh LA."


def _known_by_stdnum(la: str) -> bool:
    """python-stdnum refuses unknown LA numbers only (InvalidComponent): any other outcome means it knows it."""
    body = la + "0" * 9
    try:
        stdnum_upn.validate(stdnum_upn.calc_check_digit(body) + body)
    except InvalidComponent:
        return False
    except (InvalidChecksum, InvalidFormat, InvalidLength):
        return True
    return True


def make_upn(la_code: str, establishment: str, year: int, serial: int) -> str:
    """Build a valid permanent UPN (used by demo data and tests)."""
    body = f"{la_code}{establishment}{year % 100:02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body
