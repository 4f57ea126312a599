"""The one-file Excel add-in: `xltools addin -o XLTools.xlam`.

The add-in is an Office Open XML package (`.xlam`) holding the ribbon tab of
`macros/customUI14.xml` and a VBA project with the button module `macros/XLTools.bas` and
the xlwings modules the buttons call (`RunPython`, `RunRemotePython` and what they need),
taken from the xlwings that is installed, so staff PCs need neither a VBA reference nor
`xlwings.xlam`, and the add-in speaks the server's xlwings version (the version check of
xlwings' client is exact).

The VBA project is source only: each module's text is compressed (MS-OVBA 2.4.1) and no
compiled code is stored, which MS-OVBA allows and makes Excel compile the project when it
opens it. Everything is written here, from the specifications (MS-OVBA for the project,
MS-CFB for the compound file that holds it): the PyPI packages for these formats were found
broken (compression, projects over 64 KB, class modules). Nothing depends on the clock, so
two builds are byte-identical.
"""

from __future__ import annotations

import importlib.util
import re
import struct
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from .atomic import atomic_output
from .errors import BadArguments, XltoolsError

__all__ = ["build_addin", "addin_bytes", "addin_modules", "vba_project", "compress", "compound_file", "Module",
           "xlwings_folder", "XLWINGS_MODULES", "XLWINGS_CHANGES"]

PROJECT_NAME = "XLToolsAddIn"  # not "XLTools": VBA refuses a project named like one of its modules
PROJECT_ID = "{8E0C6C4B-2F3A-4B7E-9A51-7D1F0C3E5A21}"  # fixed, so that builds are reproducible
CODEPAGE = 1252

# The xlwings modules embedded, as file names in the installed package. xlwings_custom_addin.bas
# is xlwings' module for add-ins: it runs Python on the active workbook (xlwings.bas would
# run it on the add-in itself); the others are what RunRemotePython needs.
XLWINGS_MODULES = ("xlwings_custom_addin.bas", "addin/Remote.bas", "addin/WebHelpers.bas", "addin/Dictionary.cls",
                   "addin/WebClient.cls", "addin/WebRequest.cls", "addin/WebResponse.cls",
                   "addin/IWebAuthenticator.cls")

# Changes made to xlwings' modules, each of which must match exactly once.
XLWINGS_CHANGES = {
    # Read the settings (INTERPRETER_WIN…) from xlwings' own config file and sheet, as the
    # xlwings add-in does, instead of the custom add-in's placeholder name.
    "xlwings": [('Public Const PROJECT_NAME As String = "myaddin"',
                 'Public Const PROJECT_NAME As String = "xlwings"')],
    # A refused request was shown in an ANSI message box: Vietnamese came out garbled, and the
    # button then showed the previous run's result. XLTools.bas shows it (MessageBoxW) instead.
    "Remote": [('MsgBox myResponse.Content, vbCritical, "Error"',
                'XLToolsServerError myResponse.StatusCode, myResponse.Content'),
               ('MsgBox myResponse.StatusDescription & " (" & myResponse.StatusCode & ")", vbCritical, "Error"',
                'XLToolsServerError myResponse.StatusCode, myResponse.StatusDescription')],
}

DOCUMENT_ATTRIBUTES = (
    'Attribute VB_Name = "{name}"\r\n'
    'Attribute VB_Base = "0{{{base}}}"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = True\r\n"
    "Attribute VB_Exposed = True\r\n"
    "Attribute VB_TemplateDerived = False\r\n"
    "Attribute VB_Customizable = True\r\n"
)
WORKBOOK_CLASS, WORKSHEET_CLASS = "00020819-0000-0000-C000-000000000046", "00020820-0000-0000-C000-000000000046"
CLASS_BASE = 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'
CLASS_TAIL = ("Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False")

# The libraries every Excel VBA project references; VBA finds them by GUID and major version.
REFERENCES = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"),
    ("Office", r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared"
               r"\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library"),
)


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind (`module`, `class` or `document`) and its text as VBA stores it."""

    name: str
    kind: str
    source: str


# --------------------------------------------------------------------------- the modules


def addin_modules(server_url: str = "", token: str = "") -> list[Module]:
    """Return the add-in's modules: the two document modules, XLTools and the xlwings modules.

    `server_url` and `token` become the constants XLTOOLS_SERVER_URL and XLTOOLS_TOKEN of
    XLTools.bas: with a URL the buttons call that xltools server, without one they run
    Python on the user's PC.
    """
    xltools = _read_text(resources.files("xltools.macros").joinpath("XLTools.bas").read_bytes(), "XLTools.bas")
    xltools = _replace_once(xltools, "XLTools.bas", [
        ('Private Const XLTOOLS_SERVER_URL As String = ""',
         f"Private Const XLTOOLS_SERVER_URL As String = {_vba_string(_server_url(server_url), '--server-url')}"),
        ('Private Const XLTOOLS_TOKEN As String = ""',
         f"Private Const XLTOOLS_TOKEN As String = {_vba_string(token or '', '--token')}"),
    ])
    modules = [Module("ThisWorkbook", "document", DOCUMENT_ATTRIBUTES.format(name="ThisWorkbook", base=WORKBOOK_CLASS)),
               Module("Sheet1", "document", DOCUMENT_ATTRIBUTES.format(name="Sheet1", base=WORKSHEET_CLASS)),
               _module(xltools, "XLTools.bas")]
    folder = xlwings_folder()
    for file in XLWINGS_MODULES:
        module = _module(_read_text((folder / file).read_bytes(), f"xlwings/{file}"), f"xlwings/{file}")
        changes = XLWINGS_CHANGES.get(module.name)
        if changes:
            module = Module(module.name, module.kind, _replace_once(module.source, f"xlwings/{file}", changes))
        modules.append(module)
    return modules


def xlwings_folder() -> Path:
    """Return the folder of the installed xlwings package (without importing it)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise XltoolsError("chưa cài xlwings, nên không lấy được các mô-đun VBA của nó. Cài bằng: pip install xlwings")
    return Path(list(spec.submodule_search_locations)[0])


def _module(text: str, where: str) -> Module:
    """Return the Module of an exported .bas or .cls text, in the form VBA stores it."""
    match = re.match(r'(?:VERSION 1\.0 CLASS\r\nBEGIN\r\n.*?\r\nEND\r\n)?Attribute VB_Name = "(\w+)"\r\n', text, re.S)
    if not match:
        raise XltoolsError(f"{where}: không phải mô-đun VBA (thiếu dòng Attribute VB_Name).")
    if not text.startswith("VERSION"):
        return Module(match[1], "module", text)
    # A class as the VBA editor keeps it: without the export header, with the attributes the
    # editor adds on import (its base class, not derived from a template, not customisable).
    lines = text[text.index("Attribute VB_Name"):].split("\r\n")
    count = next(i for i, line in enumerate(lines) if not line.startswith("Attribute "))
    exposed = next((i for i in range(count) if lines[i].startswith("Attribute VB_Exposed")), None)
    if exposed is None:
        raise XltoolsError(f"{where}: lớp VBA thiếu dòng Attribute VB_Exposed.")
    stored = [lines[0], CLASS_BASE, *lines[1:exposed + 1], *CLASS_TAIL, *lines[exposed + 1:]]
    return Module(match[1], "class", "\r\n".join(stored))


def _read_text(data: bytes, where: str) -> str:
    """Return the text of a module file with Windows line ends; VBA stores code-page text."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise XltoolsError(f"{where}: mô-đun VBA phải chỉ gồm ký tự ASCII (tiếng Việt ghép bằng \\uXXXX).") from None
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _replace_once(text: str, where: str, changes) -> str:
    for old, new in changes:
        if text.count(old) != 1:
            raise XltoolsError(f"{where}: không tìm thấy đúng một chỗ «{old}» để sửa; phiên bản xlwings này chưa "
                               "được xltools hỗ trợ.")
        text = text.replace(old, new)
    return text


def _server_url(url: str | None) -> str:
    url = (url or "").strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise BadArguments(f"--server-url: «{url}» không phải địa chỉ máy chủ, ví dụ http://10.0.0.5:8000")
    return url


def _vba_string(value: str, option: str) -> str:
    """Return `value` as a VBA string literal; only printable ASCII fits a constant of an ASCII module."""
    if not all(" " <= char <= "~" for char in value):
        raise BadArguments(f"{option}: chỉ dùng chữ cái không dấu, chữ số, dấu cách và ký hiệu (ký tự ASCII in "
                           "được); tiếng Việt có dấu không ghi được vào mô-đun VBA.")
    return '"' + value.replace('"', '""') + '"'


# --------------------------------------------------------------------------- MS-OVBA compression


def compress(data: bytes) -> bytes:
    """Return `data` as an MS-OVBA CompressedContainer (2.4.1): a signature byte, then 4 KiB chunks."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _compress_chunk(data[start:start + 4096])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    position, end = 0, len(chunk)
    while position < end:
        flag_at, flags = len(body), 0
        body.append(0)
        for bit in range(8):
            if position >= end:
                break
            length, offset = _longest_match(chunk, position, seen)
            if length:
                bits = max((position - 1).bit_length(), 4)
                body += (((offset - 1) << (16 - bits)) | (length - 3)).to_bytes(2, "little")
                flags |= 1 << bit
            else:
                body.append(chunk[position])
                length = 1
            for p in range(position, min(position + length, end - 2)):
                seen.setdefault(chunk[p:p + 3], []).append(p)
            position += length
        body[flag_at] = flags
    if len(body) > 4096:  # incompressible: stored raw, always 4096 bytes (2.4.1.3.10)
        return (0x3000 | 4095).to_bytes(2, "little") + chunk.ljust(4096, b"\0")
    return (0xB000 | (len(body) - 1)).to_bytes(2, "little") + body  # size - 3, signature 0b011, compressed


def _longest_match(chunk: bytes, position: int, seen: dict[bytes, list[int]], tries: int = 256) -> tuple[int, int]:
    """Return (length, offset) of the longest earlier copy of the bytes at `position`, nearest first; (0, 0) if none."""
    candidates = seen.get(chunk[position:position + 3])
    if not candidates:
        return 0, 0
    bits = max((position - 1).bit_length(), 4)
    limit = min((0xFFFF >> bits) + 3, len(chunk) - position)
    best, best_at = 0, 0
    for candidate in reversed(candidates[-tries:]):
        if best >= limit:
            break
        if best and chunk[candidate + best] != chunk[position + best]:
            continue  # cannot be longer than the best so far
        length = 3
        while length < limit and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best:
            best, best_at = length, candidate
    return (best, position - best_at) if best >= 3 else (0, 0)


# --------------------------------------------------------------------------- MS-CFB compound file

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list | None = None
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    black: bool = True
    start: int = END
    size: int = 0


def compound_file(streams: dict[str, bytes]) -> bytes:
    """Return a compound file (MS-CFB version 3) holding `streams`, keyed by path ("VBA/dir").

    Streams under 4 KiB go into the mini stream; every table spans as many sectors as it
    needs. Times and class ids are left zero.
    """
    entries = [_Entry("Root Entry", 5, children=[])]
    storages = {"": 0}
    for path in streams:
        parent = ""
        for part in path.split("/")[:-1]:
            here = f"{parent}/{part}".lstrip("/")
            if here not in storages:
                storages[here] = len(entries)
                entries[storages[parent]].children.append(len(entries))
                entries.append(_Entry(part, 1, children=[]))
            parent = here
        entries[storages[parent]].children.append(len(entries))
        entries.append(_Entry(path.split("/")[-1], 2, data=streams[path]))
    for entry in entries:
        if entry.children is not None:
            entry.child = _sibling_tree(entries, entry.children)

    small = [e for e in entries if e.kind == 2 and 0 < len(e.data) < MINI_CUTOFF]
    large = [e for e in entries if e.kind == 2 and len(e.data) >= MINI_CUTOFF]
    mini_stream, mini_fat = bytearray(), []
    for entry in small:
        count = -(-len(entry.data) // MINI_SECTOR)
        entry.start, entry.size = len(mini_fat), len(entry.data)
        mini_fat += [*range(entry.start + 1, entry.start + count), END]
        mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\0")

    def sectors(size: int) -> int:
        return -(-size // SECTOR)

    # Sector order: large streams, the mini stream, the mini FAT, the directory, the FAT.
    chains: list[tuple[_Entry | str, int]] = [(e, sectors(len(e.data))) for e in large]
    chains += [("mini stream", sectors(len(mini_stream))), ("mini FAT", sectors(4 * len(mini_fat))),
               ("directory", sectors(128 * len(entries)))]
    used = sum(count for _, count in chains)
    fat_sectors = 1
    while fat_sectors * SECTOR // 4 < used + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise XltoolsError("dự án VBA quá lớn cho tệp add-in (trên 7 MB).")
    fat, starts = [], {}
    for owner, count in chains:
        starts[owner if isinstance(owner, str) else id(owner)] = len(fat) if count else END
        fat += [*range(len(fat) + 1, len(fat) + count), END] if count else []
    first_fat = len(fat)
    fat += [FAT_SECTOR] * fat_sectors
    fat += [FREE] * (fat_sectors * SECTOR // 4 - len(fat))
    for entry in large:
        entry.start, entry.size = starts[id(entry)], len(entry.data)
    root = entries[0]
    root.start, root.size = starts["mini stream"], len(mini_stream)

    body = bytearray()
    for entry in large:
        body += entry.data.ljust(sectors(len(entry.data)) * SECTOR, b"\0")
    body += bytes(mini_stream).ljust(sectors(len(mini_stream)) * SECTOR, b"\0")
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    body += mini_fat_bytes.ljust(sectors(len(mini_fat_bytes)) * SECTOR, b"\xff")
    slots = sectors(128 * len(entries)) * SECTOR // 128
    body += b"".join(_directory_entry(e) for e in entries) + _directory_entry(None) * (slots - len(entries))
    body += struct.pack(f"<{len(fat)}I", *fat)

    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x3E, 3, 0xFFFE,
                         9, 6, bytes(6), 0, fat_sectors, starts["directory"], 0, MINI_CUTOFF,
                         starts["mini FAT"], sectors(len(mini_fat_bytes)), END, 0)
    difat = [*range(first_fat, first_fat + fat_sectors)] + [FREE] * (109 - fat_sectors)
    return header + struct.pack("<109I", *difat) + bytes(body)


def _sibling_tree(entries: list[_Entry], members: list[int]) -> int:
    """Link `members` into a red-black tree ordered as MS-CFB wants; return its root's index."""
    ordered = sorted(members, key=lambda i: (len(entries[i].name), entries[i].name.upper()))
    depths: dict[int, int] = {}

    def build(low: int, high: int, depth: int) -> int:
        if low > high:
            return NO_STREAM
        middle = (low + high) // 2
        index = ordered[middle]
        depths[index] = depth
        entries[index].left = build(low, middle - 1, depth + 1)
        entries[index].right = build(middle + 1, high, depth + 1)
        return index

    root = build(0, len(ordered) - 1, 0)
    deepest = max(depths.values(), default=0)
    # The split keeps the tree complete but for its deepest level: those nodes red, the rest
    # black, gives every path the same number of black nodes.
    if len(ordered) != 2 ** (deepest + 1) - 1:
        for index, depth in depths.items():
            entries[index].black = depth < deepest
    return root


def _directory_entry(entry: _Entry | None) -> bytes:
    if entry is None:  # an unused slot
        return bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NO_STREAM, NO_STREAM, NO_STREAM) + bytes(48)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    start, size = (entry.start, entry.size) if entry.kind != 1 else (0, 0)
    return (name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), entry.kind, int(entry.black), entry.left,
                                                entry.right, entry.child)
            + bytes(16 + 4 + 8 + 8) + struct.pack("<IQ", start, size))


# --------------------------------------------------------------------------- MS-OVBA project


def vba_project(modules: list[Module]) -> bytes:
    """Return the vbaProject.bin of `modules`: a source-only VBA project that Excel compiles on opening."""
    streams = {"PROJECT": _project_stream(modules), "PROJECTwm": _name_map(modules),
               # _VBA_PROJECT: version 0xFFFF, no performance cache: the host recompiles (2.3.4.1).
               "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),
               "VBA/dir": compress(_dir_stream(modules))}
    for module in modules:
        streams[f"VBA/{module.name}"] = compress(module.source.encode("cp1252"))
    return compound_file(streams)


def _project_stream(modules: list[Module]) -> bytes:
    lines = [f'ID="{PROJECT_ID}"']
    for module in modules:
        lines.append({"document": f"Document={module.name}/&H00000000", "class": f"Class={module.name}",
                      "module": f"Module={module.name}"}[module.kind])
    lines += [f'Name="{PROJECT_NAME}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              # Not protected, no password, visible (2.3.1.15-17), encrypted as 2.4.3 says.
              f'CMG="{_encrypt(bytes(4), 0x35)}"', f'DPB="{_encrypt(bytes(1), 0x7B)}"',
              f'GC="{_encrypt(bytes([0xFF]), 0xC2)}"', "",
              "[Host Extender Info]", "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "",
              "[Workspace]", *(f"{module.name}=0, 0, 0, 0, C" for module in modules)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _encrypt(data: bytes, seed: int) -> str:
    """Return `data` encrypted as MS-OVBA 2.4.3.2 says, with a fixed `seed` for reproducible builds."""
    key = sum(PROJECT_ID.encode("cp1252")) & 0xFF
    version_enc, key_enc = seed ^ 2, seed ^ key
    out = [seed, version_enc, key_enc]
    unencrypted, encrypted1, encrypted2 = key, key_enc, version_enc
    plain = bytes([0] * ((seed & 6) // 2)) + len(data).to_bytes(4, "little") + data
    for byte in plain:
        encrypted = byte ^ ((encrypted2 + unencrypted) & 0xFF)
        out.append(encrypted)
        encrypted2, encrypted1, unencrypted = encrypted1, encrypted, byte
    return bytes(out).hex().upper()


def _name_map(modules: list[Module]) -> bytes:
    return b"".join(m.name.encode("cp1252") + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules) + b"\0\0"


def _dir_stream(modules: list[Module]) -> bytes:
    def record(ident: int, data: bytes = b"") -> bytes:
        return struct.pack("<HI", ident, len(data)) + data

    def text(ident: int, unicode_ident: int, value: str) -> bytes:
        return record(ident, value.encode("cp1252")) + record(unicode_ident, value.encode("utf-16-le"))

    u16, u32 = (lambda n: struct.pack("<H", n)), (lambda n: struct.pack("<I", n))
    out = [record(0x01, u32(1)),  # SysKind: 32-bit Windows; Excel recompiles for its own
           record(0x02, u32(0x409)), record(0x14, u32(0x409)), record(0x03, u16(CODEPAGE)),
           record(0x04, PROJECT_NAME.encode("cp1252")), text(0x05, 0x40, ""), text(0x06, 0x3D, ""),
           record(0x07, u32(0)), record(0x08, u32(0)),
           struct.pack("<HIIH", 0x09, 4, 1, 0),  # PROJECTVERSION: its Reserved field is 4, then major, minor
           text(0x0C, 0x3C, "")]
    for name, libid in REFERENCES:
        out.append(text(0x16, 0x3E, name))
        libid_bytes = libid.encode("cp1252")
        out.append(record(0x0D, u32(len(libid_bytes)) + libid_bytes + bytes(6)))
    out += [record(0x0F, u16(len(modules))), record(0x13, u16(0xFFFF))]
    for module in modules:
        out += [record(0x19, module.name.encode("cp1252")), record(0x47, module.name.encode("utf-16-le")),
                text(0x1A, 0x32, module.name), text(0x1C, 0x48, ""),
                record(0x31, u32(0)),  # the source starts the stream: no performance cache
                record(0x1E, u32(0)), record(0x2C, u16(0xFFFF)),
                record(0x21 if module.kind == "module" else 0x22), record(0x2B)]
    out.append(record(0x10))
    return b"".join(out)


# --------------------------------------------------------------------------- the .xlam package

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>\
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
Target="docProps/core.xml"/>\
<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" \
Target="customUI/customUI14.xml"/>\
</Relationships>"""

# The title and description are what Excel's add-in list shows.
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/">\
<dc:title>{title}</dc:title><dc:description>{description}</dc:description><dc:creator>xltools</dc:creator>\
</cp:coreProperties>"""
TITLE = "Báo cáo KT-XH (xltools)"
DESCRIPTION = "Thẻ «Báo cáo KT-XH»: Kiểm tra, Tính toán, Tổng hợp, Tạo báo cáo."

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<workbookPr codeName="ThisWorkbook"/>\
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>\
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/>\
<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" \
Target="vbaProject.bin"/>\
</Relationships>"""

SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<sheetPr codeName="Sheet1"/><sheetData/></worksheet>"""

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def addin_bytes(server_url: str = "", token: str = "") -> bytes:
    """Return the .xlam file: the ribbon, the VBA project and a one-sheet workbook, zipped reproducibly."""
    import io

    ribbon = resources.files("xltools.macros").joinpath("customUI14.xml").read_bytes()
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "docProps/core.xml": CORE.format(title=escape(TITLE), description=escape(DESCRIPTION)).encode(),
        "customUI/customUI14.xml": ribbon,
        "xl/workbook.xml": WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode(),
        "xl/worksheets/sheet1.xml": SHEET.encode(),
        "xl/styles.xml": STYLES.encode(),
        "xl/vbaProject.bin": vba_project(addin_modules(server_url, token)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def build_addin(output: str | Path, server_url: str = "", token: str = "", force: bool = False) -> Path:
    """Write the add-in to `output` (whole or not at all) and return its path."""
    output = Path(output)
    if output.suffix.lower() != ".xlam":
        raise BadArguments(f"{output}: tệp add-in phải có đuôi .xlam (Excel chỉ nhận add-in có macro với đuôi này).")
    data = addin_bytes(server_url, token)
    with atomic_output(output, force=force) as temporary:
        temporary.write_bytes(data)
    return output
