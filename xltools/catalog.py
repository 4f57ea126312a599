"""The catalog (danh mục chỉ tiêu): what each indicator is, how it is judged and consolidated.

The catalog lives as a sheet that office staff edit in Excel. The same rows are read from
the bundled default (`xltools/data/catalog.csv`), from a catalog workbook, and from the
hidden copy inside every ward workbook, so one function turns rows into a Catalog.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import astuple, dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

from .errors import CatalogError, XltoolsError
from .findings import Finding, finding
from .grid import Grid, cell_text
from .numbers import NumberTextError, parse_number

__all__ = ["Indicator", "Catalog", "default_catalog", "load_catalog", "workbook_catalog", "judging_catalog",
           "CatalogChoice", "CATALOG_SHEET", "COLUMNS"]

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
    "accumulation": "Cách tính lũy kế",
}

# The words staff may type in the enumerated columns, and what they mean.
KINDS = {"giá trị": "amount", "số lượng": "count", "tỷ lệ": "rate", "tăng trưởng": "growth"}
DIRECTIONS = {"tăng": "higher", "giảm": "lower", "giảm bớt": "reduce_by"}
RULES = {"cộng": "sum", "tỷ lệ": "ratio", "bình quân": "weighted", "thành phố": "city"}
# How figures of successive months make a longer period's (DHIS2's aggregation type): amounts add up, levels
# take the figure at the period's end, rates and means are worked out again from their accumulated parts.
ACCUMULATIONS = {"cộng dồn": "sum", "số cuối kỳ": "last", "tính lại": "recompute"}


def default_accumulation(kind: str, rule: str) -> str:
    """Return how an indicator of `kind` consolidated by `rule` accumulates when the catalog does not say."""
    if rule in ("ratio", "weighted"):
        return "recompute"
    return "last" if kind in ("rate", "growth") else "sum"


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
    accumulation: str = ""  # sum | last | recompute; "" for the default of the kind (accumulates)

    @property
    def accumulates(self) -> str:
        """Return how the indicator accumulates over the months: sum, last or recompute."""
        return self.accumulation or default_accumulation(self.kind, self.rule)

    @property
    def ratio_scale(self) -> float:
        """Return what numerator / denominator is multiplied by: 100 for a rate in percent, else 1."""
        return 100.0 if self.is_rate or "%" in self.unit else 1.0

    @property
    def is_rate(self) -> bool:
        """Return True for rates and growth figures, whose changes are in percentage points."""
        return self.kind in ("rate", "growth")

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
        words = {"kind": KINDS, "direction": DIRECTIONS, "rule": RULES, "accumulation": ACCUMULATIONS}
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


@cache
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
    """Return the catalog in workbook `path` (its `Danh mục` sheet); without a path, the office's, else the default."""
    if path is None:
        return office_catalog() or default_catalog()
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
    kind, rule = choice("kind", KINDS, "giá trị"), choice("rule", RULES, "cộng")
    return Indicator(
        code=cell("code"),
        name=cell("name"),
        unit=cell("unit"),
        group=cell("group"),
        section=cell("section"),
        kind=kind,
        direction=choice("direction", DIRECTIONS, "tăng"),
        rule=rule,
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
        accumulation=choice("accumulation", ACCUMULATIONS, _word(ACCUMULATIONS, default_accumulation(kind, rule))),
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
        if ind.accumulates == "recompute" and ind.rule not in ("ratio", "weighted"):
            raise CatalogError(f"{source}: chỉ tiêu «{ind.code}», cột «{COLUMNS['accumulation']}» ghi "
                               f"«{_word(ACCUMULATIONS, 'recompute')}» nhưng chỉ tiêu không tổng hợp theo tỷ lệ hay "
                               "bình quân nên không có gì để tính lại; đề nghị ghi «cộng dồn» hoặc «số cuối kỳ».")
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



# ------------------------------------------------------------------------------------- which catalog judges


@dataclass
class CatalogChoice:
    """The catalog that judges a workbook, where it came from, and what the workbook's own copy says about it.

    `source` is `explicit` (given), `office` (the office's default, see config.py), `workbook`
    (the copy inside the workbook) or `default` (bundled with xltools).
    """

    catalog: Catalog
    source: str
    findings: list[Finding] = field(default_factory=list)


def office_catalog() -> Catalog | None:
    """Return the office's default catalog (setting `catalog`: XLTOOLS_CATALOG or the config file), or None."""
    from .config import setting

    path = setting("catalog")
    if not path:
        return None
    target = Path(path).expanduser()
    try:
        stamp = target.stat().st_mtime_ns
    except OSError:
        raise CatalogError(f"{path}: không tìm thấy danh mục chỉ tiêu mặc định của cơ quan "
                           "(XLTOOLS_CATALOG hoặc mục «catalog» trong tệp cấu hình).") from None
    return _load_cached(str(target), stamp)


@cache
def _load_cached(path: str, stamp: int) -> Catalog:
    return load_catalog(path)


def judging_catalog(grid: Grid, version: str, explicit: Catalog | None = None) -> CatalogChoice:
    """Return the catalog that judges the workbook `grid`, whose `Phiên bản mẫu` is `version`.

    The one rule for every door (check, merge, report, the Excel buttons, the server): the
    catalog given; else the office's default; else the copy inside the workbook when its
    fingerprint is the workbook's version (a copy edited by hand is not, and that is a finding);
    else the bundled default. When the judging catalog differs from the workbook's copy, one
    finding says how.
    """
    name = grid.sheet_name(CATALOG_SHEET)
    findings: list[Finding] = []
    try:
        copy = workbook_catalog(grid)
    except XltoolsError as exc:
        copy = None
        findings.append(finding("catalog-copy-unreadable", file=grid.source, sheet=name, reason=str(exc)))
    version = (version or "").strip()
    matches = copy is not None and copy.version == version
    if explicit is not None:
        choice = CatalogChoice(explicit, "explicit", findings)
    elif (office := office_catalog()) is not None:
        choice = CatalogChoice(office, "office", findings)
    elif matches:
        return CatalogChoice(copy, "workbook", findings)
    else:
        choice = CatalogChoice(default_catalog(), "default", findings)
    if copy is not None and copy.version != choice.catalog.version:
        # A copy that is not the workbook's version was edited by hand: it is said so, with how it differs.
        code = "catalog-changes" if matches or not version else "catalog-copy-edited"
        choice.findings.extend(_changes(code, grid.source, name, copy, choice.catalog))
    return choice


def _changes(code: str, file: str, sheet: str | None, copy: Catalog, catalog: Catalog) -> list[Finding]:
    """Return finding `code` listing how the workbook's catalog copy differs from `catalog`, if it does in content."""
    added = [ind.code for ind in catalog if ind.code not in copy.by_code]
    removed = [ind.code for ind in copy if ind.code not in catalog.by_code]
    changed = [ind.code for ind in catalog if ind.code in copy.by_code and copy[ind.code] != ind]
    parts = [f"{label} {_codes(codes)}" for label, codes in
             (("thiếu chỉ tiêu", added), ("thừa chỉ tiêu", removed), ("khác định nghĩa chỉ tiêu", changed)) if codes]
    if not parts:
        return []
    return [finding(code, file=file, sheet=sheet, catalog_sheet=CATALOG_SHEET,
                    found=copy.version, expected=catalog.version, changes="; ".join(parts))]


def _codes(codes: list[str], limit: int = 10) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" và {len(codes) - limit} chỉ tiêu khác" if len(codes) > limit else "")
