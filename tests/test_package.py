"""The package surface: the names a Python user needs, quick to import inside Excel."""

from __future__ import annotations

import subprocess
import sys

import xltools


def test_every_public_name_resolves():
    for name in xltools.__all__:
        assert getattr(xltools, name) is not None, name
    assert xltools.merge_files.__module__ == "xltools.merge"
    assert xltools.Period.parse("6 tháng đầu năm").label == "6 tháng"


def test_importing_the_package_loads_no_stage():
    code = "import sys, xltools; print(sorted(m for m in sys.modules if m.startswith(('xltools.', 'pandas', 'openpyxl'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_readme_example_runs(tmp_path):
    from xltools.demo import write_city_base, write_demo_wards

    catalog = xltools.load_catalog()
    wards = write_demo_wards(tmp_path / "phuong-xa", catalog)
    base = write_city_base(tmp_path / "thanh-pho.xlsx", catalog)
    ward = xltools.read_submission(wards[0])
    findings = xltools.check_submission(ward, catalog)
    city = xltools.merge_files([tmp_path / "phuong-xa"], tmp_path / "tong-hop.xlsx", base=base, jobs=1)
    out = xltools.write_report(city.submission, city.catalog, tmp_path / "bao-cao.docx", ranking=city.ranking)
    assert out.stat().st_size > 10_000 and city.included == 15
    assert [f.code for f in findings] == [f.code for f in xltools.check_file(wards[0]).findings]
