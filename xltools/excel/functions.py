"""Worksheet functions (`@xw.func`): the same numbers and sentences as the report, in a cell.

Excel loads this module for the functions, so it imports only what they need. A function
never shows a traceback: bad arguments give `Lỗi: …` text in the cell.
"""

from __future__ import annotations

import functools
import logging
import unicodedata

import xlwings as xw

from ..catalog import DIRECTIONS, KINDS, Catalog, Indicator, default_catalog
from ..evaluate import Result, evaluate_indicator
from ..grid import NotANumber, cell_number
from ..numbers import format_number
from ..submission import Figure, Submission

__all__ = ["XT_PCT_PLAN", "XT_CHANGE", "XT_STATUS", "XT_SO", "XT_CAU"]

log = logging.getLogger(__name__)


class _BadArgument(ValueError):
    """A worksheet-function argument that cannot be used; the message is shown in the cell."""


def _number(value, what: str) -> float | None:
    """Return the number in a cell argument (number or Vietnamese number text), None when empty."""
    if isinstance(value, (list, tuple, dict)):  # a range where one cell belongs
        raise _BadArgument(f"{what} phải là số (đang là {type(value).__name__})")
    try:
        return cell_number(value)
    except NotANumber as exc:
        raise _BadArgument(f"{what} phải là số nhưng đang ghi «{exc.text}» ({exc.reason})") from None


def _word(value, table: dict[str, str], what: str, default: str) -> str:
    """Return the meaning of a catalog word (`tăng`, `giảm bớt`, `tỷ lệ`...), English names accepted too."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return table[default]
    text = unicodedata.normalize("NFC", str(value)).strip().lower()
    if text in table:
        return table[text]
    if text in table.values():
        return text
    allowed = ", ".join(f"«{w}»" for w in table)
    raise _BadArgument(f"{what} «{value}» không hợp lệ; chỉ được ghi {allowed}")


def _decimals(value, default: int | None = 2) -> int | None:
    number = _number(value, "số chữ số thập phân")
    if number is None:
        return default
    if not number.is_integer() or not 0 <= number <= 10:
        raise _BadArgument("số chữ số thập phân phải là số nguyên từ 0 đến 10")
    return int(number)


def _indicator(kind="giá trị", direction="tăng", decimals=2, code="XT", name="", unit="") -> Indicator:
    return Indicator(code=code, name=name, unit=unit, group="", section="",
                     kind=_word(kind, KINDS, "loại chỉ tiêu", "giá trị"),
                     direction=_word(direction, DIRECTIONS, "chiều đánh giá", "tăng"),
                     rule="sum", decimals=decimals)


def _result(ind: Indicator, actual, plan=None, last_year=None) -> Result:
    figure = Figure(code=ind.code, row=0, name=ind.name, unit=ind.unit,
                    actual=_number(actual, "số thực hiện"), plan=_number(plan, "số kế hoạch"),
                    last_year=_number(last_year, "số cùng kỳ"))
    return evaluate_indicator(ind, figure)


def _sheet_function(function):
    """Turn bad arguments into `Lỗi: …` text in the cell, and any other failure into a short message."""
    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except _BadArgument as exc:
            return f"Lỗi: {exc}."
        except Exception as exc:  # a cell must never show a Python traceback
            log.exception("worksheet function %s failed", function.__name__)
            return f"Lỗi: không tính được ({type(exc).__name__})."

    return wrapper


def _not_computed(reason: str | None) -> str:
    return f"Chưa tính được: {reason}." if reason else ""


# The docstrings and argument notes of the XT_ functions are shown in Excel's function
# dialog, so they are written in Vietnamese.
@xw.func(category="xltools")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("plan", doc="Kế hoạch năm")
@xw.arg("direction", doc="Chiều đánh giá: tăng, giảm hoặc giảm bớt (mặc định: tăng)")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@_sheet_function
def XT_PCT_PLAN(actual, plan, direction="tăng", last_year=None):
    """Tỷ lệ % so với kế hoạch (100 là bằng kế hoạch); chỉ tiêu «giảm bớt»: mức giảm đạt được so với mức giảm kế hoạch."""
    if _number(actual, "số thực hiện") is None and _number(plan, "số kế hoạch") is None:
        return ""
    result = _result(_indicator(direction=direction), actual, plan, last_year)
    return result.pct_plan if result.pct_plan is not None else _not_computed(result.reasons.get("pct_plan"))


@xw.func(category="xltools")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@xw.arg("kind", doc="Loại chỉ tiêu: giá trị, số lượng, tỷ lệ hoặc tăng trưởng (mặc định: giá trị)")
@_sheet_function
def XT_CHANGE(actual, last_year, kind="giá trị"):
    """Tăng (+) hoặc giảm (-) so với cùng kỳ: tính bằng % với giá trị, số lượng; bằng điểm phần trăm với tỷ lệ."""
    if _number(actual, "số thực hiện") is None and _number(last_year, "số cùng kỳ") is None:
        return ""
    result = _result(_indicator(kind=kind), actual, last_year=last_year)
    return result.change if result.change is not None else _not_computed(result.reasons.get("change"))


@xw.func(category="xltools")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("plan", doc="Kế hoạch năm")
@xw.arg("direction", doc="Chiều đánh giá: tăng, giảm hoặc giảm bớt (mặc định: tăng)")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@xw.arg("decimals", doc="Số chữ số thập phân")
@_sheet_function
def XT_STATUS(actual, plan, direction="tăng", last_year=None, decimals=2):
    """Đánh giá: Vượt kế hoạch, Đạt kế hoạch, Không đạt, Chưa có kế hoạch hoặc Chưa có số liệu."""
    return _result(_indicator(direction=direction, decimals=_decimals(decimals)), actual, plan, last_year).status_text


@xw.func(category="xltools")
@xw.arg("value", doc="Số cần viết")
@xw.arg("decimals", doc="Số chữ số thập phân")
@_sheet_function
def XT_SO(value, decimals=None):
    """Số viết theo cách Việt Nam: dấu chấm phân cách hàng nghìn, dấu phẩy thập phân (1.172,5)."""
    number = _number(value, "giá trị")
    if number is None:
        return ""
    return format_number(number, _decimals(decimals, default=None))


@xw.func(category="xltools")
@xw.arg("code", doc="Mã chỉ tiêu (cột Mã)")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("plan", doc="Kế hoạch năm")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@xw.arg("status", doc="Tính chất số liệu: Thực hiện hoặc Ước thực hiện")
@xw.arg("name", doc="Tên chỉ tiêu, khi mã không có trong danh mục")
@xw.arg("unit", doc="Đơn vị tính, khi mã không có trong danh mục")
@_sheet_function
def XT_CAU(code, actual, plan=None, last_year=None, status=None, name=None, unit=None):
    """Câu báo cáo cho một chỉ tiêu, đúng như báo cáo sẽ in («ước đạt» trừ khi tính chất số liệu là «Thực hiện»)."""
    text = "" if code is None else unicodedata.normalize("NFC", str(code)).strip()
    catalog = default_catalog()
    if text in catalog.by_code:
        ind = catalog[text]
    elif name:
        ind = _indicator(code=text or "XT", name=str(name).strip(), unit=str(unit or "").strip())
        catalog = Catalog([ind])
    else:
        raise _BadArgument(f"mã chỉ tiêu «{text}» không có trong danh mục; hãy ghi thêm tên và đơn vị tính")
    result = _result(ind, actual, plan, last_year)
    if result.status == "no_data":
        return ""
    from ..report import sentence

    estimate = Submission(status=unicodedata.normalize("NFC", str(status or "")).strip()).is_estimate
    return sentence(result, catalog, estimate=estimate)
