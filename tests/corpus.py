"""A corpus of broken and hostile workbooks, generated from a good ward workbook.

Each case is a function `build(folder, good) -> Path` that writes one bad file into `folder`
from `good` (a valid, filled ward workbook), and an expectation: either the file is refused
with a message containing `says`, or it is read and the findings include `finds`.
No binary sample is stored: every file is made here, so each case documents itself.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

DATA_SHEET = "Số liệu"
INJECTIONS = ("=HYPERLINK(\"http://127.0.0.1:9/x\",\"bấm\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A3)")


@dataclass(frozen=True)
class Case:
    name: str
    build: callable
    refused: str = ""  # a fragment of the refusal message; empty when the file is read
    finds: tuple[str, ...] = ()  # finding codes that must be reported when the file is read
    needs_soffice: bool = False
    notes: dict = field(default_factory=dict)


def _copy(folder: Path, good: Path, name: str) -> Path:
    path = folder / name
    shutil.copyfile(good, path)
    return path


def _bytes(name: str, content: bytes):
    def build(folder: Path, good: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path
    return build


def _truncated(folder, good):
    path = folder / "cat-do.xlsx"
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip_not_workbook(folder, good):
    path = folder / "anh-nen.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "không phải bảng tính")
    return path


def _encrypted(folder, good):
    from msoffcrypto.format.ooxml import OOXMLFile

    path = folder / "mat-khau.xlsx"
    with good.open("rb") as source, path.open("wb") as out:
        OOXMLFile(source).encrypt("123456", out)
    return path


def _zip_bomb(folder, good):
    path = folder / "bom-nen.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (200 * 1024 * 1024) + b"</a>")
    return path


LYING_SIZE = 256 * 1024 * 1024 + 7  # what the data sheet of the lying bomb expands to


def _zip_bomb_lying(folder, good):
    """The data sheet expands to 256 MB while the zip's headers declare 5 kB, so a size check alone passes."""
    path = folder / "bom-nen-gia-kich-thuoc.xlsx"
    part = data_part(good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != part:
                out.writestr(info.filename, source.read(info))
                continue
            with out.open(info.filename, "w") as sheet:
                sheet.write(b"<worksheet>" + b" " * (LYING_SIZE - len(b"<worksheet></worksheet>")))
                sheet.write(b"</worksheet>")
    data = bytearray(path.read_bytes())
    declared, wanted = struct.pack("<I", LYING_SIZE), struct.pack("<I", 5000)
    assert data.count(declared) == 2  # the local header and the central directory
    path.write_bytes(bytes(data).replace(declared, wanted))
    return path


def data_part(good: Path) -> str:
    """Return the zip member holding the data sheet of `good`."""
    with zipfile.ZipFile(good) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet[^>]*name="{DATA_SHEET}"[^>]*r:id="(\w+)"', workbook).group(1)
    target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    target = target.group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def rewrite_part(good: Path, path: Path, part: str, change) -> Path:
    """Write `path` as a copy of `good` with zip member `part` replaced by change(old bytes)."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info.filename, change(data) if info.filename == part else data)
    return path


def _declaration(name: str, declaration: str):
    def build(folder, good):
        return rewrite_part(good, folder / name, data_part(good), lambda data: declaration.encode() + data)
    return build


def _million_rows(folder, good):
    def huge(data: bytes) -> bytes:
        rows = b"".join(b'<row r="%d"><c r="B%d"><v>1</v></c></row>' % (n, n) for n in range(1, 1_000_001))
        return re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", lambda _: b"<sheetData>" + rows + b"</sheetData>",
                      data, count=1, flags=re.S)
    return rewrite_part(good, folder / "trieu-dong.xlsx", data_part(good), huge)


def _edited(name: str, edit):
    """A case made by opening `good` with openpyxl, changing it as a person would, and saving it."""
    def build(folder, good):
        book = load_workbook(good)
        edit(book)
        path = folder / name
        book.save(path)
        return path
    return build


def _data_row(sheet, code: str) -> int:
    return next(cell.row for cell in sheet["A"] if cell.value == code)


def _rename_sheet(book):
    book[DATA_SHEET].title = "Số liệu (sửa)"


def _delete_sheet(book):
    del book[DATA_SHEET]


def _move_columns(book):
    sheet = book[DATA_SHEET]
    for row in sheet.iter_rows(min_row=4):  # swap Kế hoạch năm and Thực hiện kỳ báo cáo, header included
        if row[0].value:
            row[4].value, row[6].value = row[6].value, row[4].value


def _rename_column(book):
    sheet = book[DATA_SHEET]
    header = next(cell for cell in sheet[4] if cell.value == "Thực hiện kỳ báo cáo")
    header.value = "Số thực hiện"


def _merged_cells(book):
    sheet = book[DATA_SHEET]
    row = _data_row(sheet, "THU_THUE")
    sheet.merge_cells(start_row=row, start_column=5, end_row=row + 1, end_column=7)


def _hidden_rows(book):
    sheet = book[DATA_SHEET]
    sheet.row_dimensions[_data_row(sheet, "THU_NS")].hidden = True


def _header_pushed_down(book):
    book[DATA_SHEET].insert_rows(1, amount=3)


def _extra_indicator(book):
    sheet = book[DATA_SHEET]
    row = sheet.max_row + 1
    sheet.cell(row, 1, "CHI_TIEU_LA")
    sheet.cell(row, 3, "Chỉ tiêu phường tự thêm")
    sheet.cell(row, 7, 12)


def _deleted_indicator(book):
    sheet = book[DATA_SHEET]
    sheet.delete_rows(_data_row(sheet, "DN_MOI"))


def _injection(book):
    sheet = book[DATA_SHEET]
    row = _data_row(sheet, "THU_NS")
    sheet.cell(row, 11).value = INJECTIONS[0]
    sheet.cell(row, 11).data_type = "s"
    for code, text in zip(("THU_THUE", "THU_DAT", "DN_MOI"), INJECTIONS[1:]):
        cell = sheet.cell(_data_row(sheet, code), 11)
        cell.value, cell.data_type = text, "s"
    info = book["Thông tin"]
    name = next(row[1] for row in info.iter_rows() if row[0].value == "Tên đơn vị")
    name.value, name.data_type = INJECTIONS[3], "s"  # the unit name is copied into the city's register
    notes = book["Thuyết minh"]
    cell = notes.cell(notes.max_row, 2)
    cell.value, cell.data_type = INJECTIONS[0], "s"


def _long_text(folder, good):
    """A note of a million characters: more than Excel itself allows in a cell (32.767), so written as XML."""
    marked = _edited("chu-dai-tam.xlsx", lambda book: book[DATA_SHEET].cell(_data_row(book[DATA_SHEET], "THU_NS"), 11,
                                                                              "MARKER-DAI"))(folder, good)
    long = ("Rất dài. " * 111_112).encode()
    path = rewrite_part(marked, folder / "chu-dai.xlsx", data_part(marked),
                        lambda data: data.replace(b"MARKER-DAI", long))
    marked.unlink()
    return path


def _tcvn3(book):
    sheet = book[DATA_SHEET]
    sheet.cell(_data_row(sheet, "THU_NS"), 11).value = "¦íc ®¹t"  # "Ước đạt" typed with a .VnTime font


def _xlsm(folder, good):
    """A macro-enabled copy: a vbaProject part and a content type for it; xltools must never run or copy it."""
    path = folder / "co-macro.xlsm"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            out.writestr(info.filename, data)
        out.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"Evil\"\r\nSub Auto_Open()\r\nShell \"calc\"\r\nEnd Sub")
    return path


def _converted(target: str, suffix: str):
    def build(folder, good):
        out = folder / f"lo-{suffix}"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/lo-profile", "--headless", "--convert-to",
                        target, "--outdir", str(out), str(good)], check=True, capture_output=True, timeout=180)
        path = folder / f"ban-cu.{suffix}"
        shutil.move(next(out.iterdir()), path)
        return path
    return build


# ---------------------------------------------------------------------------------------------- round two (#16)


LAST_CELL = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def _appended(name: str, rows: bytes):
    """A case made by appending `rows` (sheet XML) to the data sheet, leaving its <dimension> as it was."""
    def build(folder, good):
        return rewrite_part(good, folder / name, data_part(good),
                            lambda data: data.replace(b"</sheetData>", rows + b"</sheetData>", 1))
    return build


def _odd_layout(folder, good):
    """The last-cell file with a second styles part whose name differs only in case: xltools cannot then be
    sure which part the reader takes for which sheet, so it checks every part that holds cells."""
    source = _appended("tam-bo-cuc.xlsx", LAST_CELL)(folder, good)
    path = folder / "bo-cuc-la.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        out.writestr("xl/Styles.xml", original.read("xl/styles.xml"))
    source.unlink()
    return path


def _dimension_claims_everything(folder, good):
    """A sheet whose <dimension> claims the whole grid while its cells are the usual few: read as usual."""
    return rewrite_part(good, folder / "vung-khai-bao.xlsx", data_part(good),
                        lambda data: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data, count=1))


ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
ODS_VALUE = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'


def _ods_far(folder, good):
    """An ODS of 2 KB whose repeated rows and cells put one value 3.000 rows down and 16.000 columns across."""
    path = folder / "o-xa.ods"
    rows = (f"<table:table-row>{ODS_VALUE}</table:table-row>"
            '<table:table-row table:number-rows-repeated="3000"><table:table-cell/></table:table-row>'
            f'<table:table-row><table:table-cell table:number-columns-repeated="16000"/>{ODS_VALUE}</table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{DATA_SHEET}">{rows}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return path


def _xls_patched(name: str, patch):
    """A case made from LibreOffice's .xls of the good workbook, its BIFF records changed by patch(records)."""
    def build(folder, good):
        import olefile

        converted = folder / "ban-cu.xls"  # the legacy-xls case's file, made once by LibreOffice
        if not converted.exists():
            _converted("xls:MS Excel 97", "xls")(folder, good)
        path = folder / name
        shutil.copyfile(converted, path)
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            stream = bytearray(ole.openstream("Workbook").read())
            patch(stream)
            ole.write_stream("Workbook", bytes(stream))
        return path
    return build


def _biff_records(stream: bytearray):
    """Yield (offset of the body, type, length) of each BIFF record of `stream`."""
    position = 0
    while position + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, position)
        yield position + 4, kind, size
        position += 4 + size


def _xls_far_number(stream):
    """Move the first number (a NUMBER or RK record) to IV65536, the last cell of an .xls sheet."""
    body = next(body for body, kind, _ in _biff_records(stream) if kind in (0x0203, 0x027E))
    struct.pack_into("<HH", stream, body, 65535, 255)


def _xls_dimensions_lie(stream):
    """Make every sheet's DIMENSIONS record claim 16 million rows, which the reader reserved room for."""
    for body, kind, size in list(_biff_records(stream)):
        if kind == 0x0200 and size == 14:
            struct.pack_into("<IIHH", stream, body, 0, 0xFFFFFF, 0, 0xFF)


def _set_cells(book, cells: dict[str, object], sheet: str = DATA_SHEET):
    for address, value in cells.items():
        book[sheet][address] = value


def _in_xml(name: str, values: dict[tuple[str, str], bytes], edit=None):
    """A case whose number cells (indicator code, column letter) hold `values` written straight into the sheet XML,
    as no spreadsheet program would write them (inf, NaN); `edit` first changes the workbook as a person would."""
    def build(folder, good):
        source = _edited(f"tam-{name}", edit)(folder, good) if edit else good
        rows = {code: _data_row(load_workbook(source)[DATA_SHEET], code) for code, _ in values}

        def change(data: bytes) -> bytes:
            for (code, letter), value in values.items():
                cell = f"{letter}{rows[code]}".encode()
                data, count = re.subn(rb'(<c r="' + cell + rb'"[^>]*?)(?: t="\w+")?(?:/>|>.*?</c>)',
                                      lambda m: m.group(1) + b"><v>" + value + b"</v></c>", data, count=1, flags=re.S)
                assert count == 1, cell
            return data

        path = rewrite_part(source, folder / name, data_part(source), change)
        if edit:
            source.unlink()
        return path
    return build


NFD_DATA_SHEET = unicodedata.normalize("NFD", DATA_SHEET)


def _hidden_nfd_copy(book):
    """A hidden copy of the data sheet named «Số liệu» in NFD, after the visible one, with another figure."""
    copy = book.copy_worksheet(book[DATA_SHEET])
    copy.title = NFD_DATA_SHEET
    copy.sheet_state = "hidden"
    copy.cell(_data_row(copy, "THU_NS"), 7).value = 9237.6
    book[DATA_SHEET].cell(_data_row(book[DATA_SHEET], "THU_NS"), 7).value = 1237.6


def _control_characters(book):
    """Text pasted from elsewhere: `_x0001_` (a control character) in an indicator name and a note,
    `_x000B_` (Word's line break) in the unit name (and, in the case, a plan of -inf)."""
    sheet = book[DATA_SHEET]
    row = _data_row(sheet, "THU_NS")
    sheet.cell(row, 3).value = "Tổng thu_x0001_ ngân sách"
    sheet.cell(row, 11).value = "ghi chú_x0001_ có ký tự điều khiển"
    info = book["Thông tin"]
    next(r[1] for r in info.iter_rows() if r[0].value == "Tên đơn vị").value = "Phường_x000B_Trần Phú"


def _huge_figures(book):
    """Figures of 1e308 in a total and its parts: their sum is beyond any float."""
    sheet = book[DATA_SHEET]
    for code in ("THU_NS", "THU_THUE", "THU_DAT"):
        for column in (5, 7):
            sheet.cell(_data_row(sheet, code), column).value = 1e308


def _miscounted(book):
    """A count with a fraction, a rate typed as a fraction and a rate its own parts contradict."""
    sheet = book[DATA_SHEET]
    rows = {code: _data_row(sheet, code) for code in ("DN_MOI", "HO_TONG", "HO_NGHEO", "HO_NGHEO_TL")}
    sheet.cell(rows["DN_MOI"], 7).value = 1208.5  # doanh nghiệp
    for column, total, poor, rate in ((6, 2050, 31, 0.0151), (7, 2100, 40, 2.5)):
        sheet.cell(rows["HO_TONG"], column).value = total
        sheet.cell(rows["HO_NGHEO"], column).value = poor
        sheet.cell(rows["HO_NGHEO_TL"], column).value = rate  # 31/2.050 = 1,51% typed as 0,0151; 40/2.100 = 1,9%


LONG_CELL = "Rất dài. " * 3640 + "Hết"  # 32.763 characters: near Excel's own limit of 32.767 for one cell


def _long_cells(book):
    """Every cell of the data sheet's figures and notes holds a text of 32.763 characters."""
    sheet = book[DATA_SHEET]
    for row in sheet.iter_rows(min_row=_data_row(sheet, "THU_NS")):
        for cell in row[4:11]:
            if cell.column not in (8, 9):  # the % formulas stay
                cell.value = LONG_CELL


DDE = "=cmd|' /C calc'!A0"
EXTERNAL = "=[1]Sheet1!A1"


def _outside_links(book):
    """A link to another workbook (an external link part and a formula reading it) and DDE formulas."""
    from openpyxl.packaging.relationship import Relationship
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.external_link.external import ExternalBook, ExternalLink, ExternalSheetNames

    link = ExternalLink(externalBook=ExternalBook(sheetNames=ExternalSheetNames(sheetName=["Sheet1"]), id="rId1"))
    link.file_link = Relationship(type="externalLinkPath", Target="file:///C:/bi-mat/so-lieu.xlsx",
                                  TargetMode="External", Id="rId1")
    book._external_links.append(link)
    sheet = book[DATA_SHEET]
    sheet.cell(_data_row(sheet, "THU_THUE"), 11).value = EXTERNAL
    sheet.cell(_data_row(sheet, "THU_DAT"), 11).value = DDE
    book.defined_names["chay_lenh"] = DefinedName("chay_lenh", attr_text=DDE[1:])


CASES = [
    Case("empty", _bytes("rong.xlsx", b""), refused="tệp rỗng"),
    Case("random-bytes", _bytes("ngau-nhien.xlsx", bytes(range(256)) * 64), refused="không đọc được tệp như một bảng tính"),
    Case("text-named-xlsx", _bytes("ghi-chu.xlsx", "Báo cáo tháng 10, xem tệp đính kèm".encode()),
         refused="không đọc được tệp như một bảng tính"),
    Case("pdf-named-xlsx", _bytes("cong-van.xlsx", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
         refused="không đọc được tệp như một bảng tính"),
    Case("truncated-zip", _truncated, refused="bị hỏng"),
    Case("zip-not-workbook", _zip_not_workbook, refused="không đọc được tệp như một bảng tính"),
    Case("encrypted", _encrypted, refused="đặt mật khẩu"),
    Case("zip-bomb", _zip_bomb, refused="vượt giới hạn"),
    Case("zip-bomb-lying-size", _zip_bomb_lying, refused="bị hỏng"),
    Case("billion-laughs", _declaration("cuoi.xlsx", '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
                                        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'), refused="DOCTYPE/ENTITY"),
    Case("external-entity", _declaration("thuc-the.xlsx", '<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/bi-mat">]>'),
         refused="DOCTYPE/ENTITY"),
    Case("million-rows", _million_rows, refused="dòng (có dữ liệu ở ô B20001), vượt giới hạn"),
    Case("long-text", _long_text, finds=("text-too-long",)),
    Case("formula-injection", _edited("cong-thuc.xlsx", _injection)),
    Case("macro-xlsm", _xlsm),
    Case("tcvn3-text", _edited("tcvn3.xlsx", _tcvn3), finds=("legacy-encoding",)),
    Case("renamed-sheet", _edited("doi-ten-trang.xlsx", _rename_sheet), finds=("missing-sheet",)),
    Case("deleted-sheet", _edited("xoa-trang.xlsx", _delete_sheet), finds=("missing-sheet",)),
    Case("moved-columns", _edited("doi-cot.xlsx", _move_columns)),
    Case("renamed-column", _edited("doi-ten-cot.xlsx", _rename_column), finds=("missing-column",)),
    Case("merged-cells", _edited("gop-o.xlsx", _merged_cells)),
    Case("hidden-rows", _edited("an-dong.xlsx", _hidden_rows)),
    Case("header-pushed-down", _edited("day-tieu-de.xlsx", _header_pushed_down)),
    Case("extra-indicator", _edited("them-chi-tieu.xlsx", _extra_indicator), finds=("unknown-indicator",)),
    Case("deleted-indicator", _edited("xoa-chi-tieu.xlsx", _deleted_indicator), finds=("missing-indicator",)),
    Case("legacy-xls", _converted("xls:MS Excel 97", "xls"), needs_soffice=True),
    Case("ods", _converted("ods", "ods"), needs_soffice=True),
    # Round two (#16): the reader's memory, silent wrong figures, texts no document may hold.
    Case("last-cell", _appended("o-cuoi.xlsx", LAST_CELL), refused="có dữ liệu ở ô XFD1048576"),
    Case("last-cell-prefixed", _appended("o-cuoi-tien-to.xlsx", LAST_CELL.replace(b"<", b"<x:").replace(b"<x:/", b"</x:")),
         refused="có dữ liệu ở ô XFD1048576"),
    Case("last-cell-odd-layout", _odd_layout, refused="có dữ liệu ở ô XFD1048576"),
    Case("last-row", _appended("dong-cuoi.xlsx", b'<row r="1048576"><c r="CV1048576"><v>1</v></c></row>'),
         refused="có dữ liệu ở ô CV1048576"),
    Case("far-column", _appended("cot-xa.xlsx", b'<row r="300"><c r="XFD300"><v>1</v></c></row>'),
         refused="có dữ liệu ở ô XFD300, quá xa vùng số liệu"),
    Case("cells-without-reference", _appended("o-khong-dia-chi.xlsx",
                                              b'<row r="30">' + b"<c/>" * 1_000_000 + b"<c><v>1</v></c></row>"),
         refused="ngoài bảng tính"),
    Case("dimension-claims-everything", _dimension_claims_everything),
    Case("ods-far-cell", _ods_far, refused="có dữ liệu ở ô WQK3002"),
    Case("xls-last-cell", _xls_patched("xa.xls", _xls_far_number), refused="có dữ liệu ở ô IV65536",
         needs_soffice=True),
    Case("xls-dimensions-lie", _xls_patched("khai-bao.xls", _xls_dimensions_lie), refused="khai báo vùng dữ liệu",
         needs_soffice=True),
    Case("infinite-values", _in_xml("vo-cung.xlsx", {("THU_NS", "G"): b"inf", ("THU_THUE", "G"): b"NaN",
                                                    ("DN_MOI", "E"): b"-inf"}), finds=("not-a-number",)),
    Case("hidden-nfd-copy", _edited("ban-sao-an.xlsx", _hidden_nfd_copy), finds=("duplicate-sheet",)),
    Case("control-characters", _in_xml("ky-tu-dieu-khien.xlsx", {("THU_NS", "E"): b"-inf"}, _control_characters),
         finds=("not-a-number",)),
    Case("huge-figures", _edited("so-khong-lo.xlsx", _huge_figures), finds=("parts-sum",)),
    Case("miscounted", _edited("dem-sai.xlsx", _miscounted), finds=("count-fraction", "rate-as-fraction", "rate-parts")),
    Case("long-cells", _edited("o-dai.xlsx", _long_cells), finds=("not-a-number",)),
    Case("outside-links", _edited("lien-ket-ngoai.xlsx", _outside_links)),
]
REFUSED = [case for case in CASES if case.refused]
READ = [case for case in CASES if not case.refused]
