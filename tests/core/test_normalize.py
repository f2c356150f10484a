import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.normalize import (
    InvalidValue,
    clean_text,
    format_phone,
    normalize_email,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("021 6234 5678", "+862162345678"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("", ""),
    ],
)
def test_phones_become_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "not a phone", "+86 000"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(InvalidValue):
        normalize_phone(raw)


def test_emails_are_lower_cased_and_checked():
    assert normalize_email(" Zhang.Wei@Example.COM ") == "zhang.wei@example.com"
    with pytest.raises(InvalidValue):
        normalize_email("zhang@")


def test_format_phone_for_people():
    assert format_phone("+8613812345678") == "138 1234 5678"
    assert format_phone("+14155552671").startswith("+1 415")


@given(st.text(max_size=200))
def test_clean_text_is_idempotent_and_trimmed(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()


# --- The fast paths give what the full libraries give ------------------------------------------


def _library_phone(text: str) -> str | None:
    import phonenumbers

    if not clean_text(text):
        return ""
    try:
        number = phonenumbers.parse(clean_text(text), "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _library_email(text: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    if not clean_text(text):
        return ""
    try:
        return validate_email(clean_text(text), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _ours(fn, text: str) -> str | None:
    try:
        return fn(text)
    except InvalidValue:
        return None


def test_mobile_fast_path_agrees_with_the_full_parse_on_every_prefix():
    import random

    rng = random.Random(7)
    for prefix in range(1000, 2000):  # every 1xxx a Chinese number can start with
        for form in ("{n}", "+86 {n}", "0086{n}", "+86-{a}-{b}-{c}", "({a}) {b} {c}", "86{n}"):
            digits = f"{prefix}{rng.randrange(10**7):07d}"
            text = form.format(n=digits, a=digits[:3], b=digits[3:7], c=digits[7:])
            assert _ours(normalize_phone, text) == _library_phone(text), text


@settings(max_examples=500)
@given(
    st.text(alphabet="0123456789 +-()", min_size=1, max_size=18),
)
def test_phone_fast_path_agrees_with_the_full_parse(text):
    assert _ours(normalize_phone, text) == _library_phone(text)


@settings(max_examples=500)
@given(
    st.text(alphabet="abcAB09._%+-'!#~@", min_size=1, max_size=20),
    st.sampled_from(
        [
            "example.cn",
            "Mail.CN",
            "qq.com",
            "163.com",
            "localhost",
            "a..b.com",
            "-bad.com",
            "bad-.com",
            "123",
            "test",
            "xn--fiqs8s.cn",
            "例子.中国",
            "exa_mple.com",
            "",
            "com",
        ]
    ),
)
def test_email_fast_path_agrees_with_the_full_check(local, domain):
    text = f"{local}@{domain}"
    assert _ours(normalize_email, text) == _library_email(text), text
