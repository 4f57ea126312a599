"""Regenerate the standard workbooks kept in workbooks/: the catalog, the ward and city templates, the demo set.

Run with `make workbooks`. Everything here is written by xltools itself, so the files can
always be rebuilt from the code and `xltools/data/`.
"""

from __future__ import annotations

from pathlib import Path

from xltools.catalog import default_catalog
from xltools.demo import YEAR, write_city_base, write_demo_wards
from xltools.writer import new_workbook, write_catalog_workbook

ROOT = Path(__file__).resolve().parents[1] / "workbooks"


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
    print(f"Wrote the catalog, two templates and {len(paths)} demo wards under {ROOT}")


if __name__ == "__main__":
    main()
