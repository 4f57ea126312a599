"""Regenerate the standard workbooks kept in workbooks/: the catalog, the ward and city templates, the demo set.

Run with `make workbooks`. Everything here is written by xltools itself, so the files can
always be rebuilt from the code and `xltools/data/`.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from xltools.catalog import default_catalog
from xltools.demo import YEAR, write_city_base, write_demo_wards
from xltools.writer import new_workbook, write_catalog_workbook

ROOT = Path(__file__).resolve().parents[1] / "workbooks"
# Fixed stamps, so that rebuilding unchanged workbooks gives the same bytes (and no git noise).
STAMP = "2022-12-31T00:00:00Z"
ZIP_TIME = (2022, 12, 31, 0, 0, 0)
_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def normalise(path: Path) -> None:
    """Rewrite the xlsx at `path` with fixed document and zip-entry times, the members in the same order."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = _TIMES.sub(lambda m: m.group(1) + STAMP.encode() + m.group(2), data)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
    tmp.replace(path)


def main() -> None:
    catalog = default_catalog()
    write_catalog_workbook(catalog, ROOT / "danh-muc-chi-tieu.xlsx", force=True)
    new_workbook(ROOT / "mau-phuong-xa.xlsx", catalog, force=True, unit_code="MA_DON_VI",
                 unit_name="Tên phường, xã", year=YEAR, period="Năm")
    new_workbook(ROOT / "mau-thanh-pho.xlsx", catalog, force=True, unit_code="MA_THANH_PHO",
                 unit_name="Tên thành phố", year=YEAR, period="Năm", city=True)
    demo = ROOT / "demo"
    for old in demo.glob("*.xlsx"):
        old.unlink()
    paths = write_demo_wards(demo, catalog, force=True)
    write_city_base(demo / "thanh-pho-co-so.xlsx", catalog, force=True)
    for path in [*ROOT.glob("*.xlsx"), *demo.glob("*.xlsx")]:
        normalise(path)
    print(f"Wrote the catalog, two templates and {len(paths)} demo wards under {ROOT}")


if __name__ == "__main__":
    main()
