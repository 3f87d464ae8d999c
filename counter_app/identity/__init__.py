"""Applicant data rules: ID numbers, phones, e-mails, names, dates — validation and normalisation.

The one place these rules live: intake, UI field hints, kiosk and CLI all call this module.
Every function either returns a normalised value (Unicode NFC, no control characters) or raises
`InvalidValue` whose text is a Vietnamese sentence for the user, without the field's label.
"""

from __future__ import annotations

from counter_app.identity.numbers import (
    PROVINCE_CODES,
    CitizenIdInfo,
    IdKind,
    check_birth_date_against_id,
    guess_id_kind,
    normalize_email,
    normalize_id_number,
    normalize_phone,
    parse_citizen_id,
)
from counter_app.identity.people import (
    ChipIdCard,
    ScannerLostLetters,
    looks_like_chip_id_qr,
    mask_id_number,
    mask_name,
    normalize_address,
    normalize_organisation_name,
    normalize_person_name,
    parse_chip_id_qr,
    parse_date_vn,
    validate_birth_date,
)
from counter_app.identity.text import (
    ADDRESS_MAX_LENGTH,
    EARLIEST_BIRTH_YEAR,
    EMAIL_MAX_LENGTH,
    ORGANISATION_NAME_MAX_LENGTH,
    OTHER_ID_MAX_LENGTH,
    PERSON_NAME_MAX_LENGTH,
    InvalidValue,
    fold,
    has_lone_mark,
    normalize_text,
)

__all__ = [
    "ADDRESS_MAX_LENGTH",
    "EARLIEST_BIRTH_YEAR",
    "EMAIL_MAX_LENGTH",
    "ORGANISATION_NAME_MAX_LENGTH",
    "OTHER_ID_MAX_LENGTH",
    "PERSON_NAME_MAX_LENGTH",
    "PROVINCE_CODES",
    "ChipIdCard",
    "CitizenIdInfo",
    "IdKind",
    "InvalidValue",
    "ScannerLostLetters",
    "check_birth_date_against_id",
    "fold",
    "guess_id_kind",
    "has_lone_mark",
    "looks_like_chip_id_qr",
    "mask_id_number",
    "mask_name",
    "normalize_address",
    "normalize_email",
    "normalize_id_number",
    "normalize_organisation_name",
    "normalize_person_name",
    "normalize_phone",
    "normalize_text",
    "parse_chip_id_qr",
    "parse_citizen_id",
    "parse_date_vn",
    "validate_birth_date",
]
