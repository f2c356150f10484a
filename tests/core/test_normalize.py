import pytest
from hypothesis import given
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
