"""Realistic synthetic Vietnamese applicants for the benchmark (frequencies roughly as in life)."""

from __future__ import annotations

import random

# Family names with approximate shares of the population (Nguyễn alone is ~38%).
FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 4),
    ("Huỳnh", 1.5),
    ("Phan", 4.5),
    ("Vũ", 3),
    ("Võ", 1),
    ("Đặng", 2.1),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 0.6),
    ("Trịnh", 0.5),
    ("Mai", 0.4),
    ("Đào", 0.4),
    ("Lương", 0.3),
    ("Tạ", 0.2),
    ("Cao", 0.3),
    ("Hà", 0.3),
    ("Lâm", 0.3),
]
MIDDLE_MALE = ["Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Thanh", "Công", "Ngọc", "Bá", "Duy"]
MIDDLE_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Kim", "Phương", "Hồng", "Thuỳ", "Diệu"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đức",
    "Giang",
    "Hải",
    "Hiếu",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tâm",
    "Thắng",
    "Thành",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Đạt",
    "Đông",
    "Hưng",
    "Lộc",
]
GIVEN_FEMALE = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Thủy",
    "Thuý",
    "Trang",
    "Tuyết",
    "Vân",
    "Yến",
    "Đào",
    "Ánh",
]
PROVINCES = ["022", "001", "031", "079", "038", "048", "034", "036", "030", "026"]
STREETS = ["Trần Hưng Đạo", "Lê Thánh Tông", "Nguyễn Văn Cừ", "Hạ Long", "Cao Thắng", "Lê Lợi"]
WARDS = ["Hồng Gai", "Bãi Cháy", "Cẩm Phả", "Uông Bí", "Móng Cái", "Đông Triều", "Quảng Yên"]

_FAMILY_NAMES = [f for f, _ in FAMILY]
_FAMILY_WEIGHTS = [w for _, w in FAMILY]


def person(rng: random.Random) -> tuple[str, bool]:
    """A full name and whether the person is female."""
    female = rng.random() < 0.5
    family = rng.choices(_FAMILY_NAMES, _FAMILY_WEIGHTS)[0]
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    return f"{family} {middle} {given}", female


def citizen_id(rng: random.Random, female: bool, serial: int) -> str:
    """A well-formed 12-digit ID: known province, century digit, a past birth year."""
    year = rng.randint(1950, 2005)
    century = (0 if year < 2000 else 2) + (1 if female else 0)
    return f"{rng.choice(PROVINCES)}{century}{year % 100:02d}{serial % 1_000_000:06d}"


def address(rng: random.Random) -> str:
    return f"Số {rng.randint(1, 300)} đường {rng.choice(STREETS)}, phường {rng.choice(WARDS)}"


def phone(rng: random.Random) -> str:
    return f"09{rng.randint(10_000_000, 99_999_999)}"
