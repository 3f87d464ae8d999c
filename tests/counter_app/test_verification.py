from __future__ import annotations

from counter_app.verification import (
    VALUE_LENGTH,
    check_value,
    lookup_url,
    split_scan,
    verification_value,
)

UUID = "3f2b8a0e-6c1d-4d7e-9a51-2f0c8e7b6d10"
CODE = "000.00.00.H49.Q03-261127-0001"


def test_value_is_stable_short_and_keyed_by_uuid() -> None:
    value = verification_value(UUID, CODE)
    assert len(value) == VALUE_LENGTH
    assert value == verification_value(UUID.upper(), CODE.lower())
    assert value != verification_value("3f2b8a0e-6c1d-4d7e-9a51-2f0c8e7b6d11", CODE)
    assert value != verification_value(UUID, CODE[:-1] + "2")


def test_check_accepts_typed_forms_and_refuses_others() -> None:
    value = verification_value(UUID, CODE)
    assert check_value(UUID, CODE, value)
    assert check_value(UUID, CODE, f"{value[:4].lower()}-{value[4:]}")
    assert not check_value(UUID, CODE, None)
    assert not check_value(UUID, CODE, "")
    assert not check_value(UUID, CODE, "AAAAAAAA" if value != "AAAAAAAA" else "BBBBBBBB")
    assert not check_value(UUID, CODE, value + "A")


def test_lookup_url_round_trips_through_split_scan() -> None:
    url = lookup_url("https://dichvucong.quangninh.gov.vn/tra-cuu/", CODE, UUID)
    assert url.startswith("https://dichvucong.quangninh.gov.vn/tra-cuu/" + CODE + "?v=")
    code, value = split_scan(url)
    assert code == CODE
    assert value is not None and check_value(UUID, CODE, value)
    assert split_scan(CODE) == (CODE, None)
    assert split_scan(f"{CODE}?v=ABCD2345") == (CODE, "ABCD2345")
    assert split_scan(f"/tra-cuu/{CODE}") == (CODE, None)
