"""The HTTP door for Excel clients without Python: `xltools serve`.

xlwings' remote clients (VBA `RunRemotePython`, Office.js add-ins) post the workbook as
JSON to `/xlwings/{handler}`; the server opens it with `xw.Book(json=payload)`, runs the
same handler as the desktop button (`xltools.excel`), and answers with `book.json()`, the
list of actions the client then applies to the open workbook. The contract with the add-in
(callbacks, report delivery through `GET /reports/<id>`) is in macros/README.md, section 6.

Under real use, from staff PCs and next to their web browsers:

- each request is isolated: its book is opened from its own payload, its actions are queued
  on that book, and the book and xlwings' cache of its values are dropped with the answer;
- a web page cannot drive the server: only `application/json` is taken, the `Host` must be
  the bound address (or a name given with `allow_hosts`), a foreign `Origin` is refused, and
  the merge button needs `wards_root`;
- a malformed body gets a 400 in Vietnamese, naming the sheet and cell when the client wrote
  invalid JSON for one (xlwings' VBA client does for #SPILL! and long digit texts);
- ward files are read in worker processes, so a file that crashes the reader ends as a
  message in the workbook, not as a dead server.
Every refusal is plain UTF-8 text starting `xltools: `, which the add-in shows to the user.

Licence: xlwings' remote engine is part of xlwings PRO, free for noncommercial use under
the PolyForm Noncommercial License 1.0.0, which names government institutions among the
permitted users. `serve` sets `XLWINGS_LICENSE_KEY=noncommercial` unless a key is already
set; an organisation that is not noncommercial must set its own xlwings PRO key.
"""


import hmac
import ipaddress
import json
import logging
import math
import re
import secrets
import shutil
import tempfile
import threading
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlsplit

from .errors import BadArguments
from .grid import column_letter
from .numbers import format_number

__all__ = ["create_app", "serve", "is_local", "ReportStore", "Refusal", "answer", "read_payload",
           "MAX_PAYLOAD_BYTES"]

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ANY_ADDRESS = {"0.0.0.0", "::", ""}
MAX_PAYLOAD_BYTES = 32 * 1024 * 1024
REPORT_KEEP_MINUTES = 60
REPORT_MAX_MB = 500
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LICENCE_NOTICE = (
    "xlwings PRO (chế độ máy chủ) được dùng theo giấy phép PolyForm Noncommercial 1.0.0, "
    "cho phép các cơ quan nhà nước sử dụng miễn phí (XLWINGS_LICENSE_KEY=noncommercial)."
)
SHAPE = "dữ liệu gửi lên không đúng định dạng của xlwings"


def is_local(host: str) -> bool:
    """Return True when `host` only accepts connections from this computer."""
    return host.strip().lower() in LOCAL_HOSTS


class Refusal(Exception):
    """A request the server answers with `status` and the Vietnamese `message`, shown to the user by the add-in."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# --------------------------------------------------------------------------- who may ask


class Guard:
    """Who may talk to the server: a known `Host`, no foreign `Origin`, the token, JSON bodies.

    A web page open on a staff PC can send requests to the server, but the browser then sends
    the page's own name as `Host` once its name points to the server (DNS rebinding) and its
    own `Origin` when it posts; a form can only post text, never `application/json`.
    """

    def __init__(self, host: str = "127.0.0.1", allow_hosts=(), token: str | None = None):
        host = host.strip().lower().strip("[]")
        self.any_address = host in ANY_ADDRESS
        self.names = {host, *(name.strip().lower() for name in allow_hosts)}
        if self.any_address or is_local(host):
            self.names |= LOCAL_HOSTS
        # Compared as bytes: the token may be Vietnamese, sent as UTF-8.
        self.token = token.encode("utf-8") if token else None

    def check(self, request, body: bool = False) -> None:
        """Raise Refusal unless `request` may be answered (`body`: it posts a workbook)."""
        headers = request.headers
        host = _host_and_port(headers.get("host", ""))
        if host is None or not self._known(host[0]):
            raise Refusal(421, f"máy chủ không nhận yêu cầu gửi tới tên «{headers.get('host', '')}». Địa chỉ máy "
                               "chủ trong add-in phải là địa chỉ IP của máy chủ hoặc tên đã khai báo bằng "
                               "«xltools serve --allow-host <tên>».")
        origin = headers.get("origin")
        if origin is not None and not _same_origin(origin, *host):
            raise Refusal(403, f"máy chủ không nhận yêu cầu từ trang web «{origin}».")
        if not self._authorised(headers.get("authorization", "")):
            raise Refusal(401, "sai hoặc thiếu mã truy cập (Authorization). Đề nghị hỏi cán bộ CNTT mã đúng.")
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if body and kind != "application/json":
            raise Refusal(415, "máy chủ chỉ nhận bảng tính gửi từ add-in Excel (dữ liệu JSON, "
                               f"Content-Type: application/json), không nhận «{kind or 'không rõ'}».")

    def _known(self, name: str) -> bool:
        if name in self.names:
            return True
        if not self.any_address:
            return False
        try:  # bound to every address: any address of this computer, which only an IP names for sure
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def _authorised(self, sent: str) -> bool:
        if not self.token:
            return True
        raw = sent.encode("latin-1")  # the bytes as sent: the server decodes headers as Latin-1
        if raw[:7].lower() == b"bearer ":
            raw = raw[7:]
        return hmac.compare_digest(raw.strip(), self.token)


def _host_and_port(header: str) -> tuple[str, int | None] | None:
    """Return the name and port of a `Host` header (`10.0.0.5:8000`, `[::1]:8000`, `may-chu`), or None."""
    header = header.strip().lower()
    if header.startswith("["):
        name, _, rest = header[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif header.count(":") == 1:
        name, port = header.split(":")
    else:
        name, port = header, ""
    if not name or (port and not port.isdigit()):
        return None
    return name.rstrip("."), int(port) if port else None


def _same_origin(origin: str, name: str, port: int | None) -> bool:
    """Return True when `origin` is the server itself, as the request's Host names it."""
    parts = urlsplit(origin.strip().lower())
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        origin_port = parts.port or default
    except ValueError:
        return False
    return default is not None and parts.hostname == name and origin_port == (port or default)


# --------------------------------------------------------------------------- the body


def read_payload(body: bytes) -> dict:
    """Return the payload posted by a remote client; raise Refusal(400) when it is not one.

    xlwings' VBA client writes invalid JSON for a cell showing an error it does not know
    (#SPILL!, #CALC!: nothing between two commas) and for a text of 16 to 100 digits (written
    unquoted, as a number): the message names that sheet and cell.
    """
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise Refusal(400, _invalid_json(exc.doc, exc.pos)) from None
    except RecursionError:
        raise Refusal(400, f"{SHAPE} (các mục lồng nhau quá sâu).") from None
    except ValueError:  # not UTF-8, or an integer too long to read
        raise Refusal(400, "dữ liệu gửi lên không phải JSON của xlwings.") from None
    _check_shape(payload)
    return payload


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
_DIGITS = re.compile(r"[.0-9Ee]+")


def _invalid_json(text: str, pos: int) -> str:
    """Return the message for a body that is not valid JSON at `pos`, naming the cell when it is in `values`."""
    try:
        place = _place(text, pos)
    except ValueError:  # a string the decoder stopped inside: no cell to name
        place = None
    if place is None:
        return "dữ liệu gửi lên không phải JSON của xlwings."
    sheet, cell, literal = place
    where = f"ô {cell} trang «{sheet}»"
    if literal is None:
        return (f"Excel không gửi được giá trị của {where}: ô này đang báo lỗi mà add-in không gửi được (như #SPILL!, "
                "#CALC!, #BUSY!). Đề nghị sửa công thức của ô (hoặc xóa ô) rồi bấm lại nút.")
    if _DIGITS.fullmatch(literal):
        shown = literal if len(literal) <= 30 else literal[:30] + "…"
        return (f"Excel gửi sai giá trị của {where}: ô chữ «{shown}» chỉ gồm chữ số (từ 16 ký tự trở lên) bị gửi đi "
                f"như một con số. Đề nghị thêm chữ vào ô (ví dụ «Số {shown}») hoặc rút ngắn, rồi bấm lại nút.")
    return f"dữ liệu gửi lên không phải JSON hợp lệ ở {where}."


def _place(text: str, pos: int) -> tuple[str, str, str | None] | None:
    """Return (sheet, cell, the literal there or None for an empty element) of `sheets[i].values[r][c]` at `pos`.

    The text before `pos` is valid JSON (the decoder got that far), so tokens suffice: the
    key or index of each open container is followed, and the `name` of each sheet on the way.
    """
    stack: list[list] = []  # per open container: [is it an object, its current key or index, is a key next]
    names: dict[int, str] = {}
    last = None
    for last in _TOKEN.finditer(text, 0, pos):
        token = last.group()
        if token in ("{", "["):
            stack.append([token == "{", None if token == "{" else 0, token == "{"])
        elif token in ("}", "]"):
            del stack[-1:]
        elif not stack:
            continue
        elif token == ",":
            if stack[-1][0]:
                stack[-1][2] = True
            else:
                stack[-1][1] += 1
        elif token == ":":
            stack[-1][2] = False
        elif stack[-1][0] and stack[-1][2]:
            stack[-1][1] = json.loads(token)
        elif len(stack) == 3 and stack[0][1] == "sheets" and stack[2][1] == "name":
            names[stack[1][1]] = json.loads(token) if token.startswith('"') else token
    path = [entry[1] for entry in stack]
    if not (len(path) == 5 and path[0] == "sheets" and path[2] == "values"
            and all(isinstance(index, int) for index in path[1::2] + path[4:])):
        return None
    if last is not None and last.end() == pos and last.group()[0] not in '{}[],:"':
        literal = _TOKEN.match(text, last.start()).group()  # the whole literal the decoder stopped inside
    elif text[pos:pos + 1] in (",", "]"):
        literal = None  # nothing between two commas
    else:
        found = _TOKEN.match(text, pos)
        literal = found.group() if found else ""
    sheet = names.get(path[1], f"thứ {path[1] + 1}")
    return sheet, f"{column_letter(path[4])}{path[3] + 1}", literal


def _check_shape(payload) -> None:
    """Raise Refusal(400) unless `payload` has the shape xlwings' remote engine reads, with plain values in cells."""
    if not (isinstance(payload, dict) and isinstance(payload.get("sheets"), list)
            and isinstance(payload.get("book"), dict)):
        raise Refusal(400, f"{SHAPE} (thiếu «book» hoặc «sheets»).")
    book = payload["book"]
    for key, value in (("client", payload.get("client")), ("version", payload.get("version")),
                       ("book.name", book.get("name"))):
        if not isinstance(value, str):
            raise Refusal(400, f"{SHAPE} (mục «{key}» phải là chữ).")
    index = book.get("active_sheet_index", 0)
    if not isinstance(index, int) or isinstance(index, bool):
        raise Refusal(400, f"{SHAPE} (mục «book.active_sheet_index» phải là số nguyên).")
    names = payload.setdefault("names", [])
    if not (isinstance(names, list) and all(isinstance(n, dict) and isinstance(n.get("name"), str) for n in names)):
        raise Refusal(400, f"{SHAPE} (mục «names» phải là danh sách các tên vùng).")
    for number, sheet in enumerate(payload["sheets"], start=1):
        values = sheet.get("values") if isinstance(sheet, dict) else None
        if not (isinstance(sheet, dict) and isinstance(sheet.get("name"), str) and isinstance(values, list)
                and all(isinstance(row, list) for row in values)):
            raise Refusal(400, f"{SHAPE} (trang thứ {number} thiếu «name» hoặc «values» dạng bảng).")
        for key in ("pictures", "tables"):
            if not isinstance(sheet.setdefault(key, []), list):
                raise Refusal(400, f"{SHAPE} (trang «{sheet['name']}»: mục «{key}» phải là danh sách).")
        if not values:
            sheet["values"] = [[]]
        elif any(len(row) != len(values[0]) for row in values):
            raise Refusal(400, f"{SHAPE} (trang «{sheet['name']}»: các dòng của «values» dài ngắn khác nhau).")
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if not _plain(value):
                    shown = json.dumps(value, ensure_ascii=False)
                    shown = shown if len(shown) <= 60 else shown[:60] + "…"
                    raise Refusal(400, f"{SHAPE}: ô {column_letter(c)}{r + 1} trang «{sheet['name']}» có giá trị "
                                       f"không đọc được ({shown}).")


def _plain(value) -> bool:
    """Return True for a cell value xlwings reads: empty, a yes/no, a finite number, text, or a date it can parse."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) < 1e300
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        from xlwings.pro._xlremote import datetime_regex

        if datetime_regex.match(value):  # xlwings reads these as dates (cutting the last character, the Z)
            try:
                datetime.fromisoformat(value[:-1])
            except ValueError:
                return False
        return True
    return False


# --------------------------------------------------------------------------- running one request


def answer(handler, body: bytes, macros: str | None = None) -> dict:
    """Run `handler` on the book posted in `body`; return the actions for the client (`{"actions": [...]}`).

    Nothing of the request outlives the answer: its book is closed and xlwings' cache of
    range values (process-wide, keyed by the values of a sheet) is emptied.
    """
    import xlwings as xw
    from xlwings.pro._xlremote import get_range_api

    from .excel import MACRO_BOOK_KEY, BookWriter

    payload = read_payload(body)
    if macros:
        payload[MACRO_BOOK_KEY] = macros
    try:
        book = xw.Book(json=payload)
    except xw.XlwingsError as exc:
        if "version" in str(exc):
            raise Refusal(400, f"phiên bản xlwings trên máy trạm ({payload.get('version')}) khác máy chủ "
                               f"({xw.__version__}). Đề nghị cài cùng một phiên bản.") from None
        raise Refusal(400, f"không mở được bảng tính gửi lên ({exc}).") from None
    except Exception as exc:  # any other shape error in the payload
        log.warning("payload refused: %s: %s", type(exc).__name__, exc)
        raise Refusal(400, f"{SHAPE} ({type(exc).__name__}: {exc}).") from None
    try:
        message = handler(book)  # never raises: failures are written into the book as a message
        if not book.json()["actions"]:
            # Nothing could be written into the book: say it in a message box instead.
            BookWriter.of(book).alert(message, critical=message.startswith("Lỗi"))
        return book.json()
    finally:
        book.close()  # xlwings keeps every opened book in its process-wide list until it is closed
        get_range_api.cache_clear()


# --------------------------------------------------------------------------- reports kept for the client


class ReportStore:
    """The reports written for remote clients, each in a folder named by a random id, until they expire.

    The add-in fetches a report with `GET /reports/<id>` and opens it on the user's computer
    (macros/README.md, section 6). A report is kept `keep_minutes`; when the reports together
    pass `max_bytes`, the oldest go first. Only folders named like an id are ever removed.
    """

    ID = re.compile(r"[A-Za-z0-9_-]{32}")

    def __init__(self, folder: str | Path, keep_minutes: float = REPORT_KEEP_MINUTES,
                 max_bytes: int = REPORT_MAX_MB * 1024 * 1024):
        self.folder, self.keep_minutes, self.max_bytes = Path(folder), keep_minutes, max_bytes
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.sweep()

    def reserve(self) -> tuple[str, Path]:
        """Return a new id and the empty folder where its report is to be written."""
        self.sweep()
        report_id = secrets.token_urlsafe(24)
        folder = self.folder / report_id
        folder.mkdir()
        return report_id, folder

    def find(self, report_id: str) -> Path | None:
        """Return the report kept under `report_id`, or None when there is none (unknown, expired or removed)."""
        if not self.ID.fullmatch(report_id):
            return None
        self.sweep()
        folder = self.folder / report_id
        return next(iter(sorted(folder.glob("*.docx"))), None) if folder.is_dir() else None

    def sweep(self) -> None:
        """Remove the reports kept longer than `keep_minutes`, then the oldest while they take over `max_bytes`."""
        with self._lock:
            now, kept = time.time(), []
            for folder in self.folder.iterdir():
                if not self.ID.fullmatch(folder.name):
                    continue
                try:
                    changed = folder.stat().st_mtime
                    size = sum(file.stat().st_size for file in folder.iterdir())
                except OSError:  # not a folder, or removed meanwhile
                    continue
                if now - changed > self.keep_minutes * 60:
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    kept.append((changed, size, folder))
            total = sum(size for _, size, _ in kept)
            for _, size, folder in sorted(kept)[:-1]:  # never the newest: it was written for a request under way
                if total <= self.max_bytes:
                    break
                if size:
                    shutil.rmtree(folder, ignore_errors=True)
                    total -= size


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "ignore").decode().replace('"', "") or "bao-cao.docx"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


# --------------------------------------------------------------------------- the application


def create_app(token: str | None = None, output_dir: str | Path | None = None,
               wards_root: str | Path | None = None, host: str = "127.0.0.1", allow_hosts=(),
               keep_minutes: float = REPORT_KEEP_MINUTES, reports_max_mb: float = REPORT_MAX_MB, archive=None):
    """Return the FastAPI application; with `token`, every request must send it in `Authorization`.

    `host` is the address the server is bound to and `allow_hosts` other names it answers to.
    Reports are kept in `output_dir` (a temporary folder when None) for `keep_minutes`, at
    most `reports_max_mb` together; the merge button only reads ward folders inside
    `wards_root`, and is refused without it. With `archive` (an open xltools.archive.Archive),
    Tính toán pre-fills what the archive knows and Kiểm tra warns where a typed figure differs.
    """
    from fastapi import FastAPI, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import PlainTextResponse, Response
    from starlette.exceptions import HTTPException

    from . import excel

    excel.use_remote_engine()

    guard, public = Guard(host, allow_hosts, token), Guard(host, allow_hosts)
    store = ReportStore(output_dir or tempfile.mkdtemp(prefix="xltools-bao-cao-"), keep_minutes,
                        int(reports_max_mb * 1024 * 1024))
    app = FastAPI(title="xltools", docs_url=None, redoc_url=None, openapi_url=None)
    handlers = dict(excel.HANDLERS, report=partial(excel.report, store=store),
                    merge=partial(excel.merge, wards_root=wards_root))
    if archive is not None:
        handlers.update(check=partial(excel.check, archive=archive), compute=partial(excel.compute, archive=archive))

    def refused(refusal: Refusal):
        # VBA's RunRemotePython hands the body of a failed response to the add-in, which shows it.
        return PlainTextResponse(f"xltools: {refusal.message}", status_code=refusal.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        messages = {404: f"không có địa chỉ «{request.url.path}» trên máy chủ xltools.",
                    405: f"địa chỉ «{request.url.path}» không nhận yêu cầu {request.method}."}
        return refused(Refusal(exc.status_code, messages.get(exc.status_code, f"yêu cầu không hợp lệ ({exc.detail}).")))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        return refused(Refusal(400, "yêu cầu không hợp lệ (tham số trên địa chỉ sai)."))

    @app.get("/health")
    def health(request: Request):
        import xlwings

        try:
            public.check(request)
        except Refusal as refusal:
            return refused(refusal)
        return {"status": "ok", "xlwings": xlwings.__version__, "handlers": sorted(handlers)}

    @app.post("/xlwings/{name}")
    async def run(name: str, request: Request, macros: str | None = None):
        try:
            guard.check(request, body=True)
            if name not in handlers:
                raise Refusal(404, f"không có chức năng «{name}»; chỉ có: {', '.join(sorted(handlers))}.")
            if name == "merge" and not wards_root:
                raise Refusal(403, "máy chủ chưa đặt thư mục dữ liệu (--wards-root) nên không tổng hợp được qua máy "
                                   "chủ. Đề nghị cán bộ CNTT chạy lại «xltools serve» với --wards-root <thư mục chứa "
                                   "tệp của các phường, xã>.")
            body = await _read_body(request)
            content = await run_in_threadpool(_answer_safely, handlers[name], body, macros)
            return Response(content, media_type="application/json")
        except Refusal as refusal:
            return refused(refusal)

    @app.get("/reports/{report_id}")
    def fetch_report(report_id: str, request: Request):
        try:
            guard.check(request)
            path = store.find(report_id)
            try:
                content = path.read_bytes() if path is not None else None
            except OSError:
                content = None
            if content is None:
                raise Refusal(404, f"không có báo cáo này trên máy chủ, hoặc báo cáo đã quá thời gian giữ "
                                   f"({format_number(keep_minutes)} phút). Bấm lại nút Tạo báo cáo.")
        except Refusal as refusal:
            return refused(refusal)
        return Response(content, media_type=DOCX_TYPE, headers={"Content-Disposition": _disposition(path.name)})

    return app


async def _read_body(request) -> bytes:
    """Return the body of `request`; raise Refusal(413) past MAX_PAYLOAD_BYTES, before reading it when it says so."""
    too_large = Refusal(413, f"bảng tính gửi lên quá lớn (trên {MAX_PAYLOAD_BYTES // 1048576} MB).")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_PAYLOAD_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():  # a body without Content-Length is cut off at the limit too
        size += len(chunk)
        if size > MAX_PAYLOAD_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _answer_safely(handler, body: bytes, macros: str | None) -> bytes:
    """Return `answer(...)` as JSON; a fault of the server itself becomes a Vietnamese Refusal(500), logged.

    The JSON is ASCII, other characters escaped, as the VBA client writes it: a lone surrogate (half
    of an emoji cut in Excel) goes back as it came instead of failing to encode as UTF-8.
    """
    try:
        return json.dumps(answer(handler, body, macros), allow_nan=False).encode("ascii")
    except Refusal:
        raise
    except Exception as exc:
        log.exception("xltools serve failed on a request")
        raise Refusal(500, f"máy chủ xltools gặp sự cố ({type(exc).__name__}). Đề nghị báo cán bộ CNTT.") from None


def serve(host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
          output_dir: str | Path | None = None, wards_root: str | Path | None = None, allow_hosts=(),
          keep_minutes: float = REPORT_KEEP_MINUTES, reports_max_mb: float = REPORT_MAX_MB, db: str | None = None) -> None:
    """Run the server until interrupted; refuse a non-local `host` without a `token`; `db` is the archive."""
    if not is_local(host) and not token:
        raise BadArguments(
            f"không mở máy chủ trên địa chỉ {host} khi chưa đặt mã truy cập. "
            "Hãy thêm --token <mã bí mật> (hoặc biến môi trường XLTOOLS_TOKEN), "
            "hoặc để mặc định --host 127.0.0.1."
        )
    try:
        import uvicorn
    except ImportError:
        raise BadArguments("chưa cài phần máy chủ. Cài bằng: pip install \"xltools[serve]\"") from None
    for name, folder in (("--output-dir", output_dir), ("--wards-root", wards_root)):
        if folder and not Path(folder).is_dir():
            raise BadArguments(f"{name}: không tìm thấy thư mục «{folder}».")
    archive = None
    if db:
        from .archive import open_archive

        archive = open_archive(db, create=False)
    app = create_app(token=token, output_dir=output_dir, wards_root=wards_root, host=host, allow_hosts=allow_hosts,
                     keep_minutes=keep_minutes, reports_max_mb=reports_max_mb, archive=archive)
    print(LICENCE_NOTICE, flush=True)
    print(f"xltools đang phục vụ tại http://{host}:{port}/xlwings/<check|compute|merge|report> "
          f"({'có' if token else 'không'} mã truy cập). Bấm Ctrl+C để dừng.", flush=True)
    if not wards_root:
        print("Chưa đặt --wards-root: nút Tổng hợp không chạy qua máy chủ này.", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
