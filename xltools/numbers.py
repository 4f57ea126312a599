"""Vietnamese number text: `1.172,5`, `100,6%`; the one place numbers are formatted and parsed."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = ["format_number", "format_percent", "parse_number", "NumberTextError"]


class NumberTextError(ValueError):
    """A text that does not read as a Vietnamese number; `reason` says why, in Vietnamese."""

    def __init__(self, text: str, reason: str):
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason


def _rounded(value: float, decimals: int) -> Decimal:
    """Return `value` rounded half away from zero, the way people round on paper."""
    # Enough precision for any float (up to 309 digits before the point), so huge values format too.
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP,
                                                context=Context(prec=400))


def format_number(value: float, decimals: int | None = None, *, keep_zeros: bool = False) -> str:
    """Return `value` as Vietnamese text: `.` between thousands, `,` before decimals.

    With `decimals` None, up to two decimals are kept. Trailing zeros are dropped
    (`1.172,5`, not `1.172,50`) unless `keep_zeros` is set.
    """
    if value is None or not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}")
    places = 2 if decimals is None else decimals
    number = _rounded(value, places)
    if number == 0:
        number = abs(number)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    if not keep_zeros:
        fraction = fraction.rstrip("0")
    grouped = f"{int(integer):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_percent(value: float, decimals: int | None = None) -> str:
    """Return `value` (already in percent units) as `100,6%`."""
    return format_number(value, decimals) + "%"


_NUMBER = re.compile(r"^\s*(?P<sign>[-+−]?)\s*(?P<digits>[\d.,]*\d)\s*(?P<suffix>.*?)\s*$")
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
_EXPONENT = re.compile(r"^[eE][-+]?\d")


def parse_number(text: str) -> float:
    """Return the number in a Vietnamese text such as `1.172,5`, `17%` or `2.447,6 ha`.

    A unit or `%` after the number is allowed and ignored. Dots group thousands in threes
    and one comma marks the decimals; anything else (`2.447.6`, `41.2`, `42, 5`, `1e3`, a
    share `9.398/9.470`, a range `3-5`) raises NumberTextError rather than guess.
    """
    match = _NUMBER.match(text.replace("\u00a0", " "))
    if not match:
        raise NumberTextError(text, "không phải là số")
    digits, suffix = match["digits"], match["suffix"]
    if suffix and (suffix[0].isdigit() or suffix[0] in ",."):
        raise NumberTextError(text, "có khoảng trắng hoặc ký tự lạ giữa các chữ số")
    if _EXPONENT.match(suffix):
        raise NumberTextError(text, "ghi dạng lũy thừa, không ghi đủ chữ số")
    if suffix and not (suffix[0] == "%" or suffix[0].isalpha()):  # `9.398/9.470`, `3-5`, `5 (ước)`: not one number
        raise NumberTextError(text, f"sau số còn «{suffix}», không phải đơn vị tính")
    integer, comma, fraction = digits.partition(",")
    if "," in fraction or "." in fraction:
        raise NumberTextError(text, "có nhiều hơn một dấu thập phân")
    if comma and not fraction:
        raise NumberTextError(text, "thiếu chữ số sau dấu phẩy")
    if "." in integer and not _GROUPED.match(integer):
        raise NumberTextError(
            text, "dấu chấm chỉ dùng để phân cách hàng nghìn (ví dụ 2.447,6); dấu thập phân là dấu phẩy"
        )
    if not integer:
        raise NumberTextError(text, "không phải là số")
    value = float(integer.replace(".", "") + ("." + fraction if fraction else ""))
    return -value if match["sign"] in "-−" and match["sign"] else value
