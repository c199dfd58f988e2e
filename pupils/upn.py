"""Unique pupil numbers: the DfE check letter via python-stdnum, with messages a SENCO can act on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.gb import upn as stdnum_upn

_ALLOWED = set("ABCDEFGHJKLMNPQRTUVWXYZ0123456789")


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
    try:
        return stdnum_upn.validate(number)
    except InvalidChecksum:
        expected = stdnum_upn.calc_check_digit(number)
        raise ValidationError(
            "The check letter is wrong: for these 12 characters it should be %(expected)s.",
            code="upn_check_letter",
            params={"expected": expected},
        ) from None
    except InvalidComponent:
        raise ValidationError(
            "Characters 2–4 must be a known local authority number; %(la)s is not one.",
            code="upn_la",
            params={"la": number[1:4]},
        ) from None
    except (InvalidFormat, InvalidLength):
        raise ValidationError(
            "Characters 2–12 must be digits; a temporary UPN ends in a letter after 11 digits.",
            code="upn_format",
        ) from None


def make_upn(la_code: str, establishment: str, year: int, serial: int) -> str:
    """Build a valid permanent UPN (used by demo data and tests)."""
    body = f"{la_code}{establishment}{year % 100:02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body
