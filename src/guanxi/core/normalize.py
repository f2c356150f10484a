"""Normalising what people type: phone numbers to E.164, emails to lower case, tidy text."""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "CN"
_SPACES = re.compile(r"\s+")


class InvalidValue(ValueError):
    pass


def clean_text(value: object) -> str:
    """Trim, fold full-width Latin and digits, and collapse runs of white space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def normalize_phone(value: object, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number ("" for empty); InvalidValue if it cannot be a number."""
    text = clean_text(value)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue(_("Enter a valid phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_forms(e164: str) -> list[str]:
    """Forms of a stored number people search by: the full digits and the national number."""
    if not e164:
        return []
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return [e164]
    return [e164.lstrip("+"), str(number.national_number)]


@functools.lru_cache(maxsize=4096)  # lists show the same numbers page after page
def format_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(value: object) -> str:
    text = clean_text(value)
    if not text:
        return ""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidValue(_("Enter a valid email address.")) from None
    return result.normalized.lower()
