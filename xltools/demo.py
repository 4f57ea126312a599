"""The demo: 15 wards and communes of Hà Tĩnh city, 2022, and the whole pipeline run on them.

The ward figures are made reproducibly from the city figures of seed 003
(`xltools/data/city_2022.csv`): sums are split over the wards so that they add up to the
city figure exactly, rates are recomputed from their split numerator and denominator, and
weighted means vary a little around the city value. A few realistic slips are planted
for the checker to find; `SLIPS` lists them.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .catalog import Catalog, Indicator, default_catalog
from .layout import INPUT_FIELDS, YEAR_END_INPUTS
from .writer import build_workbook, save_workbook, write_figures

__all__ = ["WARDS", "SLIPS", "CITY", "CITY_INFO", "write_demo_wards", "write_city_base", "run_demo", "ward_figures",
           "random_ward_figures"]

YEAR = 2022
FIELDS = YEAR_END_INPUTS  # the demo's workbooks are annual: no full-year estimate
CITY = ("THANH_PHO_HA_TINH", "Thành phố Hà Tĩnh")
# What the city's info sheet says for the report's header and signature.
CITY_INFO = {
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
FARM_UNITS = {"ha", "tấn", "tạ/ha", "con", "nghìn con", "vạn tấn"}
FARM_WORDS = ("nông", "thủy sản", "thuỷ sản", "chăn nuôi", "lúa", "trồng trọt", "canh tác", "rau")
# Indicators of the default catalog whose figures sit in the communes though their names do not say so.
FARM_CODES = {"KDC_MAU", "MO_HINH_SX"}
# Indicators that belong to one ward only.
SINGLE_WARD = {"PHUONG_VMDT_KM": "TRAN_PHU"}


@dataclass(frozen=True)
class Slip:
    """A mistake planted in one demo ward, for the checker to find.

    `rule` is the code of the finding the checker must report for it (at `code`, or at the
    total when `code` is a part); `field` is the column (plan, last_year, actual, pct_plan...).
    """

    ward: str
    code: str
    field: str
    what: str  # what is wrong, in words
    rule: str  # the finding code that must fire


# The slips planted in the default demo (see `plant_slips`); every other figure is clean.
SLIPS: list[Slip] = [
    Slip("THACH_HA", "HKD_MOI", "actual", "gõ chữ vào ô số («khoảng …») thay vì một con số", "not-a-number"),
    Slip("NAM_HA", "THU_NS", "actual", "tổng thu ngân sách khác thu thuế, phí cộng thu tiền sử dụng đất", "parts-sum"),
    Slip("BAC_HA", "THU_THUE_PHI", "pct_plan", "gõ đè số 119 (tỷ lệ của thành phố) lên công thức % so với kế hoạch",
         "pct-plan-typed"),
    Slip("TAN_GIANG", "GPXD", "actual", "gõ thừa một chữ số 0: số giấy phép tăng gấp 10 lần so với cùng kỳ",
         "yoy-jump"),
    Slip("THACH_QUY", "VX_18_M3", "actual",
         "số người tiêm mũi 3 (tính cả người nơi khác đến tiêm tại điểm tiêm của phường) lớn hơn số người từ 18 tuổi",
         "numerator-gt-denominator"),
    Slip("DONG_MON", "CAY_XANH_MOI", "actual", "bỏ trống số thực hiện của chỉ tiêu chủ yếu", "required-empty"),
]


def city_figures() -> dict[str, dict[str, float | None]]:
    """Return code -> {plan, last_year, actual, next_plan} for the city, from seed 003."""
    text = resources.files("xltools.data").joinpath("city_2022.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = {name: float(row[name]) if row.get(name, "").strip() else None for name in INPUT_FIELDS}
    return out


def _is_farm(ind: Indicator) -> bool:
    text = f"{ind.section} {ind.name}".lower()
    return ind.code in FARM_CODES or ind.unit in FARM_UNITS or any(word in text for word in FARM_WORDS)


def _split(total: float | None, shares: list[float], decimals: int, caps: list | None = None) -> list:
    """Return `total` split by `shares`, rounded to `decimals`, adding up to `total` exactly.

    Largest remainders: every part is a whole number of units of the last decimal, so the
    parts add up to the total to the last digit. With `caps`, no part exceeds its cap
    (a numerator never exceeds its denominator).
    """
    if total is None:
        return [None] * len(shares)
    scale = 10 ** decimals
    units = round(total * scale)
    weight = sum(shares)
    raw = [units * share / weight for share in shares]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    if caps is not None:
        limits = [round(c * scale) if c is not None else units for c in caps]
        excess = sum(max(0, p - m) for p, m in zip(parts, limits))
        parts = [min(p, m) for p, m in zip(parts, limits)]
        while excess:
            room = max(range(len(parts)), key=lambda i: limits[i] - parts[i])
            if limits[room] <= parts[room]:
                raise ValueError("the numerator exceeds the denominator in total")
            step = min(excess, limits[room] - parts[room])
            parts[room] += step
            excess -= step
    return [p / scale if decimals else p for p in parts]


def ward_figures(catalog: Catalog, city: dict, seed: int = YEAR) -> dict[str, dict[str, dict]]:
    """Return ward code -> indicator code -> field -> value, splitting the city figures.

    Sums are split over the wards by their commerce or farming weight (denominators such
    as households and population by size), with the same shares for every column plus a
    little noise, so a ward's change on last year stays near the city's. Numerators are
    split in proportion to their denominators and never exceed them; totals are the sum of
    their parts; rates are recomputed from each ward's numerator and denominator; weighted
    means vary a little around the city value.
    """
    rng = random.Random(seed)
    codes = [code for code, *_ in WARDS]
    wards: dict[str, dict[str, dict]] = {code: {} for code in codes}
    ratios = [ind for ind in catalog if ind.rule == "ratio"]
    numerators = {ind.numerator: ind for ind in ratios}
    denominators = {ind.denominator for ind in ratios}
    people = [(trade + farm) / 2 + 0.4 for _, _, trade, farm in WARDS]

    def leaf(ind: Indicator) -> None:
        figures = city[ind.code]
        if ind.code in SINGLE_WARD:
            for ward in codes:
                wards[ward][ind.code] = {name: (figures[name] if ward == SINGLE_WARD[ind.code] else
                                                (0 if figures[name] is not None else None)) for name in FIELDS}
            return
        if ind.code in denominators:
            base = [p * rng.uniform(0.85, 1.15) for p in people]
        else:
            base = [(farm if _is_farm(ind) else trade) * rng.uniform(0.7, 1.3) for _, _, trade, farm in WARDS]
        split = {name: _split(figures[name], [b * rng.uniform(0.98, 1.02) for b in base], ind.decimals)
                 for name in FIELDS}
        for i, ward in enumerate(codes):
            wards[ward][ind.code] = {name: split[name][i] for name in FIELDS}

    def numerator(ind: Indicator, ratio: Indicator) -> None:
        figures = city[ind.code]
        split = {}
        for name in FIELDS:
            bottom = [wards[ward].get(ratio.denominator, {}).get(name) for ward in codes]
            if figures[name] is None or any(b is None for b in bottom):
                split[name] = [None] * len(codes)
                continue
            shares = [b * rng.uniform(0.98, 1.02) for b in bottom]
            split[name] = _split(figures[name], shares, ind.decimals, caps=bottom)
        for i, ward in enumerate(codes):
            wards[ward][ind.code] = {name: split[name][i] for name in FIELDS}

    sums = [ind for ind in catalog if ind.ward_entered and ind.rule == "sum" and ind.code in city]
    for ind in sums:
        if not catalog.children(ind.code) and ind.code not in numerators:
            leaf(ind)
    for ind in sums:
        if not catalog.children(ind.code) and ind.code in numerators:
            numerator(ind, numerators[ind.code])
    for ind in sorted((i for i in sums if catalog.children(i.code)), key=lambda i: _depth(catalog, i), reverse=True):
        for ward in codes:
            wards[ward][ind.code] = {
                name: _total([wards[ward].get(child.code, {}).get(name) for child in catalog.children(ind.code)],
                             ind.decimals)
                for name in FIELDS
            }
    for ind in catalog:
        if not ind.ward_entered or ind.code not in city or ind.rule in ("sum", "ratio"):
            continue
        figures = city[ind.code]  # weighted means: around the city value, weighing exactly to it
        values = {name: [_around(figures[name], rng, ind) for _ in codes] for name in ("actual", "last_year")}
        if ind.rule == "weighted" and ind.weight in wards[codes[0]]:
            for name, column in values.items():
                weights = [wards[ward][ind.weight].get(name) for ward in codes]
                values[name] = _weigh_to(column, weights, figures[name], ind)
        for i, ward in enumerate(codes):
            wards[ward][ind.code] = {name: values[name][i] if name in values else figures[name]
                                     for name in FIELDS}
    for ind in ratios:
        if ind.code not in city:
            continue
        scale = ind.ratio_scale
        for ward in codes:
            top, bottom = wards[ward].get(ind.numerator, {}), wards[ward].get(ind.denominator, {})
            wards[ward][ind.code] = {
                "plan": city[ind.code]["plan"],
                "next_plan": city[ind.code]["next_plan"],
                "last_year": _rate(top.get("last_year"), bottom.get("last_year"), ind.decimals, scale),
                "actual": _rate(top.get("actual"), bottom.get("actual"), ind.decimals, scale),
            }
    return wards


def _weigh_to(values: list, weights: list, target, ind: Indicator) -> list:
    """Return `values` shifted so that their mean weighted by `weights` is `target` to its last decimal."""
    if target is None or any(v is None for v in values) or any(not w for w in weights):
        return values
    total = math.fsum(weights)
    shift = target - math.fsum(v * w for v, w in zip(values, weights)) / total
    values = [round(v + shift, ind.decimals) for v in values]
    heaviest = max(range(len(values)), key=lambda i: weights[i])
    residual = target * total - math.fsum(v * w for v, w in zip(values, weights))
    values[heaviest] = round(values[heaviest] + residual / weights[heaviest], ind.decimals)
    return values


def random_ward_figures(catalog: Catalog, rng: random.Random) -> dict[str, dict[str, float]]:
    """Return random figures a careful ward would send: parts add up to totals, rates come from their parts,
    no jumps. For tests and benchmarks that need many clean wards of any catalog."""
    fields = FIELDS

    def rounded(ind, values):
        return {name: round(v, max(ind.decimals, 0)) for name, v in values.items()}

    out = {}
    for ind in catalog:
        if ind.ward_entered and ind.rule in ("sum", "weighted"):
            low = ind.min if ind.min is not None else 100.0
            high = ind.max if ind.max is not None else 1000.0
            actual = rng.uniform(low + (high - low) * 0.3, low + (high - low) * 0.6)
            out[ind.code] = rounded(ind, {"actual": actual, "last_year": actual * rng.uniform(0.97, 1.03),
                                          "plan": actual * rng.uniform(0.97, 1.03), "next_plan": actual * 1.03})

    def depth(ind):
        return 0 if not ind.parent else 1 + depth(catalog[ind.parent])

    for step in ("parents", "numerators", "parents", "rates"):
        for ind in sorted(catalog, key=depth, reverse=True):
            if step == "parents" and ind.rule == "sum" and catalog.children(ind.code) and ind.code in out:
                parts = [out[child.code] for child in catalog.children(ind.code) if child.code in out]
                out[ind.code] = rounded(ind, {name: sum(p[name] for p in parts) for name in fields})
            elif step == "numerators" and ind.rule == "ratio" and ind.denominator in out:
                share = rng.uniform(0.02, 0.2)
                out[ind.numerator] = rounded(catalog[ind.numerator],
                                             {name: out[ind.denominator][name] * share for name in fields})
            elif step == "rates" and ind.rule == "ratio" and ind.numerator in out and ind.denominator in out:
                top, bottom = out[ind.numerator], out[ind.denominator]
                out[ind.code] = rounded(ind, {name: top[name] / bottom[name] * ind.ratio_scale if bottom[name] else 0
                                              for name in fields})
                if ind.direction == "reduce_by":
                    out[ind.code]["plan"] = out[ind.code]["next_plan"] = 0.5
    return out


def _depth(catalog: Catalog, ind: Indicator) -> int:
    depth = 0
    while ind.parent:
        ind, depth = catalog[ind.parent], depth + 1
    return depth


def _total(values: list, decimals: int):
    if all(v is None for v in values):
        return None
    total = round(math.fsum(v for v in values if v is not None), decimals)
    return total if decimals else int(total)


def _around(value, rng: random.Random, ind: Indicator):
    if value is None:
        return None
    varied = round(value * rng.uniform(0.97, 1.03), ind.decimals)
    if ind.max is not None:
        varied = min(varied, ind.max)
    return varied


def _rate(top, bottom, decimals: int, scale: float = 100.0):
    if top is None or not bottom:
        return None
    return round(top / bottom * scale, decimals)


def plant_slips(wards: dict[str, dict[str, dict]], catalog: Catalog) -> list[Slip]:
    """Plant the demo's realistic slips (`SLIPS`) into `wards`; return those planted.

    A slip whose ward or indicator is not in `wards` (another catalog) is skipped.
    """
    planted = []
    for slip in SLIPS:
        figures = wards.get(slip.ward, {})
        if slip.code not in figures or slip.code not in catalog.by_code:
            continue
        row = figures[slip.code]
        ind = catalog[slip.code]
        needed = ("actual", "plan") if slip.rule == "pct-plan-typed" else (slip.field,)
        if any(row.get(name) is None for name in needed):
            continue  # another catalog or other figures: nothing to slip on
        if slip.rule == "numerator-gt-denominator" and not any(i.numerator == slip.code for i in catalog):
            continue
        if slip.rule == "not-a-number":
            row[slip.field] = f"khoảng {round(row[slip.field] or 0, -1):.0f}"
        elif slip.rule == "parts-sum":
            row[slip.field] = round(row[slip.field] + 25.0, ind.decimals)
        elif slip.rule == "pct-plan-typed":
            computed = row["actual"] / row["plan"] * 100
            row[slip.field] = 119 if abs(computed - 119) > 2 else 125
        elif slip.rule == "yoy-jump":
            row[slip.field] = row[slip.field] * 10
        elif slip.rule == "numerator-gt-denominator":
            bottom = figures[next(i.denominator for i in catalog if i.numerator == slip.code)][slip.field]
            row[slip.field] = round(bottom * 1.04) if ind.decimals == 0 else round(bottom * 1.04, ind.decimals)
        elif slip.rule == "required-empty":
            row[slip.field] = None
        planted.append(slip)
    return planted


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
    book = build_workbook(catalog, unit_code=CITY[0], unit_name=CITY[1], year=YEAR, period="Năm", city=True,
                          info=CITY_INFO, units=[(code, name) for code, name, *_ in WARDS])
    write_figures(book, {ind.code: city[ind.code] for ind in catalog if not ind.ward_entered and ind.code in city})
    save_workbook(book, path, force=force)
    return path


def run_demo(output: Path, force: bool = False, jobs: int | None = None) -> int:
    """Run the whole pipeline on the demo wards into `output`; return the exit code.

    Writes the 15 ward workbooks and the city base, checks each ward (an annotated copy per
    ward with findings), merges the wards into the city workbook, and writes the city report
    and one ward's report. The planted slips are expected findings, so they do not fail the demo.
    """
    from .check import annotate, check_file, findings_table
    from .merge import merge
    from .report import write_report

    output = Path(output)
    wards_dir = output / "phuong-xa"
    if force and wards_dir.exists():
        shutil.rmtree(wards_dir)
    catalog = default_catalog()
    paths = write_demo_wards(wards_dir, catalog, force=force)
    base = write_city_base(output / "thanh-pho-co-so.xlsx", catalog, force=force)
    print(f"1. Đã tạo {len(paths)} biểu số liệu phường, xã mẫu trong {wards_dir}")

    checked = [check_file(path, catalog) for path in paths]
    findings = [f for result in checked for f in result.findings]
    print(f"2. Kiểm tra từng biểu (các lỗi dưới đây được cài sẵn để minh họa):\n{findings_table(findings, len(paths))}")
    for result in checked:
        if result.findings:
            annotate(result.path, output / "kiem-tra" / result.path.name, result, force=force)
    print(f"   Bản đánh dấu ô lỗi: {output / 'kiem-tra'}")

    city = output / "thanh-pho-tong-hop.xlsx"
    merged = merge([wards_dir], city, catalog=catalog, base=base, jobs=jobs, force=force)
    print(f"3. Đã tổng hợp {merged.included}/{merged.expected} đơn vị vào {city}")

    city_report = write_report(merged.submission, merged.catalog, output / "bao-cao-thanh-pho.docx",
                               ranking=merged.ranking, force=force)
    ward = checked[0]
    ward_report = write_report(ward.submission, ward.catalog, output / f"bao-cao-{paths[0].stem}.docx", force=force)
    print(f"4. Báo cáo thành phố: {city_report}\n   Báo cáo một phường: {ward_report}")
    return 0
