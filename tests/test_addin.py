"""`xltools addin`: the .xlam read back by independent readers (olefile, olevba, LibreOffice)."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from xltools.addin import XLWINGS_CHANGES, XLWINGS_MODULES, addin_bytes, addin_modules, compound_file, compress, \
    xlwings_folder
from xltools.cli import main

from conftest import have_soffice

olefile = pytest.importorskip("olefile")
olevba = pytest.importorskip("oletools.olevba")

MACROS = Path(__file__).resolve().parent.parent / "macros"
KEPT = MACROS / "XLTools.xlam"
XLWINGS_NAMES = ["xlwings", "Remote", "WebHelpers", "Dictionary", "WebClient", "WebRequest", "WebResponse",
                 "IWebAuthenticator"]
CLASSES = {"Dictionary", "WebClient", "WebRequest", "WebResponse", "IWebAuthenticator"}


@pytest.fixture(scope="module")
def built():
    return addin_bytes()


def project(data: bytes):
    return olefile.OleFileIO(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("xl/vbaProject.bin")),
                             raise_defects=olefile.DEFECT_INCORRECT)


def macros_of(path: Path) -> dict[str, tuple[str, str]]:
    """Return module name -> (olevba's file name for it, source) as olevba reads the file at `path`."""
    parser = olevba.VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: (name, code) for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


# ------------------------------------------------------------------ the formats


def test_compression_matches_the_example_of_the_specification():
    # MS-OVBA 3.2.1: a text without repeats is one compressed chunk of literals.
    assert compress(b"abcdefghijklmnopqrstuv.").hex() == (
        "0119b000616263646566676800696a6b6c6d6e6f7000717273747576" "2e")


@pytest.mark.parametrize("data", [
    b"", b"a", b"Attribute VB_Name = \"X\"\r\n" * 600, b"x" * 10_000,
    bytes(random.Random(1).choice(b"ab \r\n") for _ in range(30_000)),  # many short matches across chunks
    random.Random(2).randbytes(9_000),  # incompressible: stored as raw chunks
], ids=["empty", "one byte", "repeated lines", "one byte repeated", "short matches", "random"])
def test_compressed_data_decompresses_to_itself_in_olevba(data):
    packed = compress(data)
    unpacked = bytes(olevba.decompress_stream(bytearray(packed)))
    if len(data) % 4096 and len(packed) > len(data):  # a raw last chunk is padded to 4096 bytes
        unpacked = unpacked[:len(data)]
    assert unpacked == data
    if data and data[:1] == b"A":
        assert len(packed) < len(data) / 10


def test_the_compound_file_holds_every_stream_large_and_small():
    streams = {"big": os.urandom(200_000), "small": b"abc", "VBA/dir": b"d" * 5000, "VBA/x": b"",
               **{f"VBA/m{n}": bytes([n]) * (n * 37) for n in range(1, 60)}}
    ole = olefile.OleFileIO(io.BytesIO(compound_file(streams)), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(streams)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data, path


def test_the_add_in_holds_every_module_with_its_source_in_olevba(built, tmp_path):
    path = tmp_path / "XLTools.xlam"
    path.write_bytes(built)
    read = macros_of(path)
    modules = addin_modules()
    assert list(read) == [m.name for m in modules] == ["ThisWorkbook", "Sheet1", "XLTools", *XLWINGS_NAMES]
    for module in modules:
        file_name, code = read[module.name]
        assert code == module.source, module.name
        # olevba names a module by its type in the dir stream: .bas for standard modules.
        assert file_name.endswith(".bas" if module.kind == "module" else ".cls")
        assert module.kind == {"ThisWorkbook": "document", "Sheet1": "document"}.get(
            module.name, "class" if module.name in CLASSES else "module")
    assert read["XLTools"][1] == (MACROS / "XLTools.bas").read_bytes().decode("ascii")


def test_the_xlwings_modules_are_the_installed_ones_with_only_the_listed_changes(built):
    modules = {m.name: m for m in addin_modules()}
    folder = xlwings_folder()
    for file in XLWINGS_MODULES:
        original = (folder / file).read_text(encoding="ascii").replace("\r\n", "\n").replace("\n", "\r\n")
        name = re.search(r'Attribute VB_Name = "(\w+)"', original)[1]
        source = modules[name].source
        for old, new in XLWINGS_CHANGES.get(name, []):
            assert old in original and new in source
            original = original.replace(old, new)
        if file.endswith(".cls"):  # exported as VERSION 1.0 CLASS, stored with the VBA editor's attributes
            assert original.startswith("VERSION 1.0 CLASS\r\nBEGIN\r\n")
            assert "VERSION 1.0 CLASS" not in source
            assert 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"' in source
            original = original[original.index("Attribute VB_Name"):]
            kept = [line for line in source.split("\r\n") if not line.startswith(
                ("Attribute VB_Base", "Attribute VB_TemplateDerived", "Attribute VB_Customizable"))]
            assert "\r\n".join(kept) == original, name
        else:
            assert source == original, name
    # The client announces the installed xlwings, which the server's version check compares.
    import xlwings

    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in modules["xlwings"].source


def test_the_project_streams_say_what_each_module_is(built):
    ole = project(built)
    text = ole.openstream("PROJECT").read().decode("cp1252")
    assert "Document=ThisWorkbook/&H00000000\r\n" in text and "Module=XLTools\r\n" in text
    assert {m for m in re.findall(r"^Class=(\w+)\r$", text, re.M)} == CLASSES
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    # The workbook's code names are the document modules' names.
    package = zipfile.ZipFile(io.BytesIO(built))
    assert 'codeName="ThisWorkbook"' in package.read("xl/workbook.xml").decode()
    assert 'codeName="Sheet1"' in package.read("xl/worksheets/sheet1.xml").decode()


def test_the_package_is_an_add_in_with_the_ribbon(built):
    package = zipfile.ZipFile(io.BytesIO(built))
    types = ET.fromstring(package.read("[Content_Types].xml"))
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    rels = {r.get("Type"): r.get("Target") for r in ET.fromstring(package.read("_rels/.rels"))}
    assert rels["http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"] == "customUI/customUI14.xml"
    assert package.read("customUI/customUI14.xml") == (MACROS / "customUI14.xml").read_bytes()
    vba = {r.get("Type"): r.get("Target") for r in ET.fromstring(package.read("xl/_rels/workbook.xml.rels"))}
    assert vba["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
    assert "<dc:title>Báo cáo KT-XH (xltools)</dc:title>" in package.read("docProps/core.xml").decode()


# ------------------------------------------------------------------ reproducible, kept, configured


def test_two_builds_are_byte_identical(built):
    assert addin_bytes() == built
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zipfile.ZipFile(io.BytesIO(built)).infolist())


def test_the_kept_add_in_is_a_fresh_build():
    # Compared part by part, so that another zlib compressing the same parts differently
    # does not count as a difference; names, order, dates and contents must all agree.
    fresh, kept = (zipfile.ZipFile(io.BytesIO(data)) for data in (addin_bytes(), KEPT.read_bytes()))
    describe = lambda z: [(i.filename, i.date_time, i.compress_type, z.read(i)) for i in z.infolist()]
    assert describe(kept) == describe(fresh), (
        "macros/XLTools.xlam differs from a fresh build: run `xltools addin -o macros/XLTools.xlam --force`")


def test_server_url_and_token_become_the_constants_of_the_module():
    source = next(m.source for m in addin_modules("http://10.0.0.5:8000/", 'ma"bi-mat') if m.name == "XLTools")
    assert 'Private Const XLTOOLS_SERVER_URL As String = "http://10.0.0.5:8000"\r\n' in source
    assert 'Private Const XLTOOLS_TOKEN As String = "ma""bi-mat"\r\n' in source


def test_the_cli_writes_the_add_in_and_refuses_bad_arguments(tmp_path, capsys):
    target = tmp_path / "XLTools.xlam"
    assert main(["addin", "-o", str(target), "--server-url", "http://10.0.0.5:8000"]) == 0
    assert "gọi máy chủ http://10.0.0.5:8000" in capsys.readouterr().out
    assert 'XLTOOLS_SERVER_URL As String = "http://10.0.0.5:8000"' in macros_of(target)["XLTools"][1]
    assert main(["addin", "-o", str(target)]) == 2
    assert "tệp đã tồn tại. Dùng --force để ghi đè." in capsys.readouterr().err
    assert main(["addin", "-o", str(target), "--force", "--server-url", "10.0.0.5:8000"]) == 2
    assert "«10.0.0.5:8000» không phải địa chỉ máy chủ" in capsys.readouterr().err
    assert main(["addin", "-o", str(target), "--force", "--token", "mã-bí-mật"]) == 2
    assert "--token: chỉ dùng chữ cái không dấu" in capsys.readouterr().err
    assert main(["addin", "-o", str(tmp_path / "XLTools.xlsm")]) == 2
    assert "phải có đuôi .xlam" in capsys.readouterr().err


# ------------------------------------------------------------------ LibreOffice


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice(), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_same_modules(built, tmp_path):
    # LibreOffice does not open .xlam files: the same package is given the content type of a
    # macro-enabled workbook. Converted to .ods, its VBA modules become a Basic library.
    copy = tmp_path / "XLTools.xlsm"
    with zipfile.ZipFile(io.BytesIO(built)) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"addin.macroEnabled.main+xml", b"sheet.macroEnabled.main+xml")
            target.writestr(info, data)
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(copy)],
                   check=True, capture_output=True, timeout=180)
    ods = zipfile.ZipFile(tmp_path / "XLTools.ods")
    library = ET.fromstring(ods.read("Basic/XLToolsAddIn/script-lb.xml"))
    names = [e.get("{http://openoffice.org/2000/library}name") for e in library]
    modules = addin_modules()
    assert sorted(names) == sorted(m.name for m in modules)
    kinds = {"module": "normal", "class": "class", "document": "document"}
    for module in modules:
        element = ET.fromstring(ods.read(f"Basic/XLToolsAddIn/{module.name}.xml"))
        assert element.get("{http://openoffice.org/2000/script}moduleType") == kinds[module.kind], module.name
        # LibreOffice drops the Attribute lines and starts with lines of its own.
        expected = [line for line in module.source.split("\r\n") if not line.startswith("Attribute ")]
        lines = element.text.split("\n")
        start = next(i for i, line in enumerate(lines) if not line.startswith(("Rem Attribute", "Option VBASupport",
                                                                               "Option ClassModule")))
        assert "\n".join(lines[start:]).rstrip("\n") == "\n".join(expected).rstrip("\n"), module.name
