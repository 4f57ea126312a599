"""The catalog (danh mục chỉ tiêu): what each indicator is, how it is judged and consolidated.

The catalog lives as a sheet that office staff edit in Excel. The same rows are read from
the bundled default (`xltools/data/catalog.csv`), from a catalog workbook, and from the
hidden copy inside every ward workbook, so one function turns rows into a Catalog.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import astuple, dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from .errors import CatalogError
from .grid import Grid, cell_text
from .numbers import NumberTextError, parse_number

__all__ = ["Indicator", "Catalog", "default_catalog", "load_catalog", "workbook_catalog", "CATALOG_SHEET", "COLUMNS"]

CATALOG_SHEET = "Danh mục"

# Field name in code -> column title on the sheet staff see.
COLUMNS: dict[str, str] = {
    "code": "Mã",
    "name": "Chỉ tiêu",
    "unit": "ĐVT",
    "group": "Nhóm lĩnh vực",
    "section": "Mục báo cáo",
    "kind": "Loại",
    "direction": "Chiều đánh giá",
    "rule": "Cách tổng hợp",
    "numerator": "Mã tử số",
    "denominator": "Mã mẫu số",
    "weight": "Mã trọng số",
    "key": "Chỉ tiêu chủ yếu (thứ tự)",
    "key_group": "Nhóm chỉ tiêu chủ yếu",
    "parent": "Mã chỉ tiêu tổng",
    "min": "Giá trị nhỏ nhất",
    "max": "Giá trị lớn nhất",
    "jump": "Ngưỡng biến động so với cùng kỳ (%)",
    "rank": "Nêu phường dẫn đầu",
    "decimals": "Số chữ số thập phân",
    "hint": "Hướng dẫn nhập",
}

# The words staff may type in the enumerated columns, and what they mean.
KINDS = {"giá trị": "amount", "số lượng": "count", "tỷ lệ": "rate", "tăng trưởng": "growth"}
DIRECTIONS = {"tăng": "higher", "giảm": "lower", "giảm bớt": "reduce_by"}
RULES = {"cộng": "sum", "tỷ lệ": "ratio", "bình quân": "weighted", "thành phố": "city"}


@dataclass(frozen=True)
class Indicator:
    """One indicator (chỉ tiêu) of the catalog."""

    code: str
    name: str
    unit: str
    group: str
    section: str
    kind: str  # amount | count | rate | growth
    direction: str  # higher | lower | reduce_by
    rule: str  # sum | ratio | weighted | city
    numerator: str = ""
    denominator: str = ""
    weight: str = ""
    key: int | None = None
    key_group: str = ""
    parent: str = ""
    min: float | None = None
    max: float | None = None
    jump: float | None = None
    rank: bool = False
    decimals: int = 2
    hint: str = ""

    @property
    def is_rate(self) -> bool:
        """Return True for rates and growth figures, whose changes are in percentage points."""
        return self.kind in ("rate", "growth")

    @property
    def ratio_scale(self) -> float:
        """Return what numerator / denominator is multiplied by: 100 for a rate in percent, else 1."""
        return 100.0 if self.is_rate or "%" in self.unit else 1.0

    @property
    def ward_entered(self) -> bool:
        """Return True when wards enter this indicator; city-only ones are entered by the city."""
        return self.rule != "city"


class Catalog:
    """The ordered indicators, looked up by code, with a fingerprint of their definitions."""

    def __init__(self, indicators: list[Indicator]):
        self.indicators = list(indicators)
        self.by_code = {ind.code: ind for ind in self.indicators}

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self):
        return len(self.indicators)

    def __getitem__(self, code: str) -> Indicator:
        return self.by_code[code]

    @cached_property
    def version(self) -> str:
        """Return the template version: a fingerprint of every definition, so a stale copy shows.

        Worked out once: a Catalog's indicators are not changed after it is made.
        """
        canonical = json.dumps([astuple(ind) for ind in self.indicators], ensure_ascii=False)
        return "DM-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10].upper()

    @property
    def key_targets(self) -> list[Indicator]:
        """Return the key resolution targets in their numbered order."""
        return sorted((ind for ind in self if ind.key), key=lambda ind: ind.key)

    def children(self, code: str) -> list[Indicator]:
        """Return the parts that must add up to the indicator `code`."""
        return [ind for ind in self if ind.parent == code]

    def rows(self) -> list[list]:
        """Return the catalog as sheet rows: the Vietnamese header, then one row per indicator."""
        words = {"kind": KINDS, "direction": DIRECTIONS, "rule": RULES}
        out = [list(COLUMNS.values())]
        for ind in self:
            row = []
            for name in COLUMNS:
                value = getattr(ind, name)
                if name in words:
                    value = _word(words[name], value)
                elif name == "rank":
                    value = "x" if value else None
                row.append(None if value in ("", None) else value)
            out.append(row)
        return out


def _word(table: dict[str, str], meaning: str) -> str:
    return next(word for word, m in table.items() if m == meaning)


def default_catalog() -> Catalog:
    """Return the catalog bundled with xltools, built from the Hà Tĩnh city 2022 report."""
    text = resources.files("xltools.data").joinpath("catalog.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    header = [COLUMNS.get(cell, cell) for cell in rows[0]]
    return catalog_from_rows([header, *rows[1:]], source="catalog.csv")


def workbook_catalog(grid: Grid) -> Catalog | None:
    """Return the catalog a workbook carries in its (hidden) `Danh mục` sheet, or None when it has none."""
    rows = grid.sheet(CATALOG_SHEET)
    return catalog_from_rows(rows, source=f"{grid.source} › {CATALOG_SHEET}") if rows else None


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Return the catalog in workbook `path` (its `Danh mục` sheet), or the default one."""
    if path is None:
        return default_catalog()
    from .grid import read_grid

    grid = read_grid(path)
    sheet = grid.sheet(CATALOG_SHEET) or grid.first_sheet()
    return catalog_from_rows(sheet, source=f"{Path(path).name} › {CATALOG_SHEET}")


def catalog_from_rows(rows: list[list], source: str) -> Catalog:
    """Return the Catalog in `rows` (header row of Vietnamese titles first); raise CatalogError."""
    titles = {title: name for name, title in COLUMNS.items()}
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]] if rows else []
    missing = [title for title in ("Mã", "Chỉ tiêu", "ĐVT") if title not in header]
    if missing:
        raise CatalogError(f"{source}: danh mục chỉ tiêu thiếu cột {', '.join(missing)}.")
    position = {titles[t]: i for i, t in enumerate(header) if t in titles}
    indicators = []
    for number, row in enumerate(rows[1:], start=2):
        cell = lambda name: cell_text(row[position[name]]) if name in position and position[name] < len(row) else ""
        if not cell("code"):
            continue
        indicators.append(_indicator(cell, f"{source}, dòng {number}"))
    catalog = Catalog(indicators)
    _validate(catalog, source)
    return catalog


def _indicator(cell, where: str) -> Indicator:
    def choice(name: str, table: dict[str, str], default: str) -> str:
        word = cell(name).lower() or default
        if word not in table:
            allowed = ", ".join(f"«{w}»" for w in table)
            raise CatalogError(f"{where}: cột «{COLUMNS[name]}» ghi «{cell(name)}», chỉ được ghi {allowed}.")
        return table[word]

    def number(name: str) -> float | None:
        text = cell(name)
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            try:
                return parse_number(text)
            except NumberTextError as exc:
                raise CatalogError(f"{where}: cột «{COLUMNS[name]}» ghi «{text}», {exc.reason}.") from None

    key = number("key")
    decimals = number("decimals")
    return Indicator(
        code=cell("code"),
        name=cell("name"),
        unit=cell("unit"),
        group=cell("group"),
        section=cell("section"),
        kind=choice("kind", KINDS, "giá trị"),
        direction=choice("direction", DIRECTIONS, "tăng"),
        rule=choice("rule", RULES, "cộng"),
        numerator=cell("numerator"),
        denominator=cell("denominator"),
        weight=cell("weight"),
        key=int(key) if key else None,
        key_group=cell("key_group"),
        parent=cell("parent"),
        min=number("min"),
        max=number("max"),
        jump=number("jump"),
        rank=bool(cell("rank")),
        decimals=2 if decimals is None else int(decimals),
        hint=cell("hint"),
    )


def _validate(catalog: Catalog, source: str) -> None:
    seen: set[str] = set()
    for ind in catalog:
        if ind.code in seen:
            raise CatalogError(f"{source}: mã chỉ tiêu «{ind.code}» bị trùng.")
        seen.add(ind.code)
    for ind in catalog:
        needed = {"parent": ind.parent, "numerator": ind.numerator, "denominator": ind.denominator, "weight": ind.weight}
        if ind.rule == "ratio" and not (ind.numerator and ind.denominator):
            raise CatalogError(f"{source}: chỉ tiêu «{ind.code}» tổng hợp theo tỷ lệ nhưng thiếu mã tử số hoặc mẫu số.")
        if ind.rule == "weighted" and not ind.weight:
            raise CatalogError(f"{source}: chỉ tiêu «{ind.code}» tính bình quân nhưng thiếu mã trọng số.")
        for name, code in needed.items():
            if code and code not in catalog.by_code:
                raise CatalogError(f"{source}: chỉ tiêu «{ind.code}», cột «{COLUMNS[name]}» ghi mã «{code}» không có trong danh mục.")
    # A total that is its own part, or a rate computed from itself, has no value to start from.
    for columns, links in ((("parent",), lambda ind: [ind.parent]),
                           (("numerator", "denominator"),
                            lambda ind: [ind.numerator, ind.denominator] if ind.rule == "ratio" else [])):
        cycle = _cycle(catalog, links)
        if cycle:
            named = " hoặc ".join(f"«{COLUMNS[c]}»" for c in columns)
            what = (f"chỉ tiêu «{cycle[0]}» ghi mã của chính nó ở cột {named}" if len(cycle) == 2 else
                    f"các chỉ tiêu {' → '.join(cycle)} dẫn vòng về chính mình qua cột {named}")
            raise CatalogError(f"{source}: {what}; đề nghị sửa để không chỉ tiêu nào được tính từ chính nó.")


def _cycle(catalog: Catalog, links) -> list[str]:
    """Return codes each linked to the next by `links(indicator)`, the last equal to the first; [] when none loop."""
    done: set[str] = set()
    for start in catalog:
        path = [start.code]  # the codes being followed, each with the links not yet tried
        pending = [iter(links(start))]
        while path:
            target = next((t for t in pending[-1] if t in catalog.by_code and t not in done), None)
            if target is None:
                done.add(path.pop())
                pending.pop()
            elif target in path:
                return path[path.index(target):] + [target]
            else:
                path.append(target)
                pending.append(iter(links(catalog[target])))
    return []

