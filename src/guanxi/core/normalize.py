"""Normalising what people type: phone numbers to E.164, emails to lower case, tidy text."""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import urlsplit

import phonenumbers
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "CN"
_SPACES = re.compile(r"\s+")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_IPV6 = re.compile(r"[0-9a-f:.]+")


class InvalidValue(ValueError):
    pass


def clean_text(value: object) -> str:
    """Trim, fold full-width Latin and digits, and collapse runs of white space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\x00", "")
    return _SPACES.sub(" ", text).strip()


# The common case on the mainland, a mobile typed with or without +86 and with spaces,
# hyphens or brackets, checked against the library's own pattern for Chinese mobiles
# without a full parse (a twentieth of the cost). Anything else takes the full parse.
_CN_MOBILE = re.compile(r"(?:\+86|0086)?(1\d{10})")
_PHONE_FORMATTING = str.maketrans("", "", " -()")


@functools.cache
def _cn_mobile_patterns() -> tuple[re.Pattern, re.Pattern]:
    from phonenumbers.phonemetadata import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region("CN")
    return (
        re.compile(metadata.general_desc.national_number_pattern),
        re.compile(metadata.mobile.national_number_pattern),
    )


def normalize_phone(value: object, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number ("" for empty); InvalidValue if it cannot be a number."""
    text = clean_text(value)
    if not text:
        return ""
    if region == "CN":
        found = _CN_MOBILE.fullmatch(text.translate(_PHONE_FORMATTING))
        if found:
            general, mobile = _cn_mobile_patterns()
            national = found.group(1)
            if general.fullmatch(national) and mobile.fullmatch(national):
                return "+86" + national
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
    if e164.startswith("+86"):  # China's numbers: the national number is what follows +86
        return [e164[1:], e164[3:]]
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


# An ASCII address whose local part is a plain dot-atom needs only its domain checked in
# full (labels, reserved names, international forms), and an organisation's customers share
# a few hundred domains: those checks are remembered. Anything else takes the full check.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@functools.lru_cache(maxsize=8192)
def _email_domain_valid(domain: str) -> bool:
    try:
        validate_email("x@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def normalize_email(value: object) -> str:
    text = clean_text(value)
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if (
        at
        and len(local) <= 64
        and len(text) <= 254
        and domain.isascii()
        and "xn--" not in domain.lower()  # shown in Unicode: the full check converts it
        and _DOT_ATOM.fullmatch(local)
    ):
        if _email_domain_valid(domain.lower()):
            return text.lower()
        raise InvalidValue(_("Enter a valid email address."))
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidValue(_("Enter a valid email address.")) from None
    return result.normalized.lower()


def clean_origin(text: str) -> str:
    """``https://www.example.com`` from what an administrator typed (an origin, a host or a
    page's address); ValueError if it names no website.

    Lower-cased, without the path or the scheme's default port, its host in IDNA form — the
    way browsers write the ``Origin`` header.
    """
    value = (text or "").strip()
    parts = urlsplit(value if "://" in value else f"https://{value}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(value)
    if parts.username or parts.password:
        raise ValueError(value)
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
        port = parts.port
    except (UnicodeError, ValueError):
        raise ValueError(value) from None
    if _IPV6.fullmatch(host) and ":" in host:
        host = f"[{host}]"
    elif not _HOST.fullmatch(host):
        # Also what keeps an origin from smuggling anything into the CSP and CORS headers.
        raise ValueError(value)
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")
