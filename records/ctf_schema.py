"""The element names of the Common Transfer File (CTF) version 25 that we read and write: the SEN part.

One place for every name, so a new CTF version changes this module and nothing else.

Source. The DfE publishes the CTF specification and its XML schema (XSD) with each version; the XSD was not
reachable from where this was written, so the names below were taken from the specification's structure as
the issue gives it (`CTfile` -> `Header`, `CTFpupilData/Pupil`, `SENhistory/SEN` with `StartDate` and
`SENprovision`, `SENneeds/SENneed` with `SENtype` and `SENtypeRank`, `LookedAfter/InCare`/`CareAuthority`)
and checked against two public implementations: a management information system's CTF import/export
(Java, `DfEPupil`/`DfEHeader` of a UK state-reporting package, which reads `Header/SourceSchool` and
`DestSchool` with `LEA` and `Estab`, `BasicDetails`, `LookedAfter/InCare`, `SENhistory/SEN/StartDate`,
`SENprovision`, `SENneeds/SENneed`) and a CTF test-data generator (TypeScript, which also writes the optional
`NeedStartDate`/`NeedEndDate` of a `SENneed` and several `SEN` entries in one `SENhistory`). Dates are
ISO 8601 (YYYY-MM-DD), as in both. Nothing here is validated against the XSD itself; see README.md.
"""

from __future__ import annotations

VERSION = "25.0"  # what we write in Header/CTFversion
MAJOR_VERSION = "25"  # what we read: 25.0, 25.1 ...
DOCUMENT_NAME_VALUE = "Common Transfer File"

ROOT = "CTfile"
HEADER = "Header"
DOCUMENT_NAME = "DocumentName"
CTF_VERSION = "CTFversion"
DATE_TIME = "DateTime"
DOCUMENT_QUALIFIER = "DocumentQualifier"  # "full" or "partial"; we write "partial" (the SEN part only)
SUPPLIER_ID = "SupplierID"
SOURCE_SCHOOL = "SourceSchool"
DEST_SCHOOL = "DestSchool"
LEA = "LEA"
ESTAB = "Estab"
URN = "URN"
SCHOOL_NAME = "SchoolName"
ACADEMIC_YEAR = "AcademicYear"

PUPIL_DATA = "CTFpupilData"
PUPIL = "Pupil"
UPN = "UPN"
SURNAME = "Surname"
FORENAME = "Forename"
DOB = "DOB"
GENDER = "Gender"
BASIC_DETAILS = "BasicDetails"
PREFERRED_SURNAME = "PreferredSurname"
PREFERRED_FORENAME = "PreferredForename"
NC_YEAR_ACTUAL = "NCyearActual"
LOOKED_AFTER = "LookedAfter"
IN_CARE = "InCare"
CARE_AUTHORITY = "CareAuthority"
SEN_HISTORY = "SENhistory"
SEN = "SEN"
START_DATE = "StartDate"
SEN_PROVISION = "SENprovision"
SEN_NEEDS = "SENneeds"
SEN_NEED = "SENneed"
SEN_TYPE = "SENtype"
SEN_TYPE_RANK = "SENtypeRank"
NEED_START_DATE = "NeedStartDate"
NEED_END_DATE = "NeedEndDate"

# A destination that is not known (a pupil gone abroad, or to a school not yet named) is written with these.
UNKNOWN_LEA = "MMM"
UNKNOWN_ESTAB = "MMMM"
SUPPLIER = "SEND platform"
