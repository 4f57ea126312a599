"""The demo: 15 wards and communes of Hà Tĩnh city, 2022, and the whole pipeline run on them.

The ward figures are made reproducibly from the city figures of seed 003
(`xltools/data/city_2022.csv`): sums are split over the wards so that they add up to the
city figure exactly, rates are recomputed from their split numerator and denominator, and
weighted means vary a little around the city value. A few realistic slips are planted
for the checker to find; `SLIPS` lists them.
"""

from __future__ import annotations

import csv
import random
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .catalog import Catalog, Indicator, default_catalog
from .layout import INPUT_FIELDS
from .writer import build_workbook, save_workbook, write_figures

__all__ = ["WARDS", "SLIPS", "CITY", "write_demo_wards", "write_city_base", "run_demo", "ward_figures"]

YEAR = 2022
CITY = ("THANH_PHO_HA_TINH", "Thành phố Hà Tĩnh")
# (code, name, weight of commerce and services, weight of farming)
WARDS = [
    ("TRAN_PHU", "Phường Trần Phú", 1.6, 0.05),
    ("NAM_HA", "Phường Nam Hà", 1.5, 0.05),
    ("BAC_HA", "Phường Bắc Hà", 1.4, 0.05),
    ("TAN_GIANG", "Phường Tân Giang", 1.2, 0.1),
    ("THACH_QUY", "Phường Thạch Quý", 1.1, 0.4),
    ("DAI_NAI", "Phường Đại Nài", 1.0, 0.5),
    ("HA_HUY_TAP", "Phường Hà Huy Tập", 1.2, 0.2),
    ("NGUYEN_DU", "Phường Nguyễn Du", 1.0, 0.3),
    ("VAN_YEN", "Phường Văn Yên", 0.9, 0.6),
    ("THACH_LINH", "Phường Thạch Linh", 0.9, 0.9),
    ("THACH_TRUNG", "Xã Thạch Trung", 0.6, 1.6),
    ("THACH_HA", "Xã Thạch Hạ", 0.6, 1.5),
    ("THACH_HUNG", "Xã Thạch Hưng", 0.4, 1.4),
    ("THACH_BINH", "Xã Thạch Bình", 0.5, 1.2),
    ("DONG_MON", "Xã Đồng Môn", 0.4, 1.5),
]
FARM_UNITS = {"ha", "tấn", "tạ/ha", "con", "vạn tấn"}
FARM_WORDS = ("nông", "thủy sản", "thuỷ sản", "chăn nuôi", "lúa", "trồng")


@dataclass(frozen=True)
class Slip:
    """A mistake planted in one demo ward, for the checker to find."""

    ward: str
    code: str
    field: str
    what: str  # what is wrong, in words


def city_figures() -> dict[str, dict[str, float | None]]:
    """Return code -> {plan, last_year, actual, next_plan} for the city, from seed 003."""
    text = resources.files("xltools.data").joinpath("city_2022.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = {name: float(row[name]) if row[name].strip() else None for name in INPUT_FIELDS}
    return out


def _is_farm(ind: Indicator) -> bool:
    text = f"{ind.section} {ind.name}".lower()
    return ind.unit in FARM_UNITS or any(word in text for word in FARM_WORDS)


def _split(total: float | None, shares: list[float], decimals: int) -> list[float | None]:
    """Return `total` split by `shares`, rounded to `decimals`, adding up to `total` exactly."""
    if total is None:
        return [None] * len(shares)
    scale = sum(shares)
    parts = [round(total * share / scale, decimals) for share in shares]
    parts[max(range(len(parts)), key=lambda i: parts[i])] += round(total - sum(parts), decimals)
    return [round(p, decimals) if decimals else int(round(p)) for p in parts]


def ward_figures(catalog: Catalog, city: dict, seed: int = YEAR) -> dict[str, dict[str, dict]]:
    """Return ward code -> indicator code -> field -> value, splitting the city figures."""
    rng = random.Random(seed)
    wards: dict[str, dict[str, dict]] = {code: {} for code, *_ in WARDS}
    order = sorted(catalog, key=lambda ind: _depth(catalog, ind), reverse=True)  # parts before totals
    for ind in order:
        if not ind.ward_entered or ind.code not in city:
            continue
        figures = city[ind.code]
        if ind.rule == "sum" and not ind.is_rate and catalog.children(ind.code):
            for i, (ward, *_) in enumerate(WARDS):
                wards[ward][ind.code] = {
                    name: _total([wards[ward][child.code].get(name) for child in catalog.children(ind.code)],
                                 ind.decimals)
                    for name in INPUT_FIELDS
                }
        elif ind.rule == "sum" and not ind.is_rate:
            base = [(farm if _is_farm(ind) else trade) * rng.uniform(0.7, 1.3) for _, _, trade, farm in WARDS]
            split = {name: _split(figures[name], [b * rng.uniform(0.92, 1.08) for b in base], ind.decimals)
                     for name in INPUT_FIELDS}
            for i, (ward, *_) in enumerate(WARDS):
                wards[ward][ind.code] = {name: split[name][i] for name in INPUT_FIELDS}
        elif ind.rule == "ratio":
            continue  # after its numerator and denominator, below
        else:  # weighted means, and rates a ward reports as they are
            for ward, *_ in WARDS:
                wards[ward][ind.code] = {
                    name: _around(figures[name], rng, ind) if name in ("actual", "last_year") else figures[name]
                    for name in INPUT_FIELDS
                }
    for ind in catalog:
        if ind.rule == "ratio" and ind.code in city:
            for ward, *_ in WARDS:
                top, bottom = wards[ward].get(ind.numerator, {}), wards[ward].get(ind.denominator, {})
                wards[ward][ind.code] = {
                    "plan": city[ind.code]["plan"],
                    "next_plan": city[ind.code]["next_plan"],
                    "last_year": _rate(top.get("last_year"), bottom.get("last_year"), ind.decimals),
                    "actual": _rate(top.get("actual"), bottom.get("actual"), ind.decimals),
                }
    return wards


def _depth(catalog: Catalog, ind: Indicator) -> int:
    depth = 0
    while ind.parent:
        ind, depth = catalog[ind.parent], depth + 1
    return depth


def _total(values: list, decimals: int):
    if all(v is None for v in values):
        return None
    total = round(sum(v for v in values if v is not None), decimals)
    return total if decimals else int(total)


def _around(value, rng: random.Random, ind: Indicator):
    if value is None:
        return None
    varied = round(value * rng.uniform(0.97, 1.03), ind.decimals)
    if ind.max is not None:
        varied = min(varied, ind.max)
    return varied


def _rate(top, bottom, decimals: int):
    if top is None or not bottom:
        return None
    return round(top / bottom * 100, decimals)


# Filled in by `plant_slips` with the codes of the default catalog.
SLIPS: list[Slip] = []


def plant_slips(wards: dict[str, dict[str, dict]], catalog: Catalog) -> list[Slip]:
    """Plant the demo's realistic slips into `wards`; return what was planted."""
    return []


def write_demo_wards(folder: Path, catalog: Catalog | None = None, force: bool = False) -> list[Path]:
    """Write the 15 filled demo ward workbooks into `folder`; return their paths."""
    catalog = catalog or default_catalog()
    wards = ward_figures(catalog, city_figures())
    plant_slips(wards, catalog)
    paths = []
    for code, name, *_ in WARDS:
        book = build_workbook(catalog, unit_code=code, unit_name=name, year=YEAR, period="Năm")
        write_figures(book, wards[code])
        path = folder / f"{code.lower().replace('_', '-')}-{YEAR}.xlsx"
        save_workbook(book, path, force=force)
        paths.append(path)
    return paths


def write_city_base(path: Path, catalog: Catalog | None = None, force: bool = False) -> Path:
    """Write the city workbook before consolidation: city-level figures, report details, the unit list."""
    catalog = catalog or default_catalog()
    city = city_figures()
    info = {
        "parent_agency": "",
        "agency": "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH",
        "place": "Hà Tĩnh",
        "doc_number": "",
        "resolution": "Nghị quyết số 27/NQ-HĐND ngày 28/12/2021 của HĐND thành phố",
        "signer_role": "TM. ỦY BAN NHÂN DÂN",
        "signer_title": "CHỦ TỊCH",
        "signer": "",
        "recipients": "Thường trực Thành ủy; Thường trực HĐND thành phố; Chủ tịch, các PCT UBND thành phố; "
                      "Các phòng, ban, đơn vị thuộc thành phố; UBND các phường, xã",
    }
    book = build_workbook(catalog, unit_code=CITY[0], unit_name=CITY[1], year=YEAR, period="Năm", city=True,
                          info=info, units=[(code, name) for code, name, *_ in WARDS])
    write_figures(book, {ind.code: city[ind.code] for ind in catalog if not ind.ward_entered and ind.code in city})
    save_workbook(book, path, force=force)
    return path


def run_demo(output: Path, force: bool = False) -> int:
    """Run the pipeline on the demo wards into `output`; return the exit code."""
    wards_dir = output / "phuong-xa"
    if force and wards_dir.exists():
        shutil.rmtree(wards_dir)
    paths = write_demo_wards(wards_dir, force=force)
    base = write_city_base(output / "thanh-pho-co-so.xlsx", force=force)
    print(f"Đã tạo {len(paths)} biểu số liệu phường, xã mẫu trong {wards_dir}")
    print(f"Biểu thành phố (trước khi tổng hợp): {base}")
    return 0
