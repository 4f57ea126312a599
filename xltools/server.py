"""The HTTP door for Excel clients without Python: `xltools serve`.

xlwings' remote clients (VBA `RunRemotePython`, Office.js add-ins) post the workbook as
JSON to `/xlwings/{handler}`; the server opens it with `xw.Book(json=payload)`, runs the
same handler as the desktop button (`xltools.excel`), and answers with `book.json()`, the
list of actions the client then applies to the open workbook.

Licence: xlwings' remote engine is part of xlwings PRO, free for noncommercial use under
the PolyForm Noncommercial License 1.0.0, which names government institutions among the
permitted users. `serve` sets `XLWINGS_LICENSE_KEY=noncommercial` unless a key is already
set; an organisation that is not noncommercial must set its own xlwings PRO key.
"""

import hmac
import json
import logging
from functools import partial
from pathlib import Path

from .errors import BadArguments

__all__ = ["create_app", "serve", "is_local", "MAX_PAYLOAD_BYTES"]

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_PAYLOAD_BYTES = 32 * 1024 * 1024
LICENCE_NOTICE = (
    "xlwings PRO (chế độ máy chủ) được dùng theo giấy phép PolyForm Noncommercial 1.0.0, "
    "cho phép các cơ quan nhà nước sử dụng miễn phí (XLWINGS_LICENSE_KEY=noncommercial)."
)


def is_local(host: str) -> bool:
    """Return True when `host` only accepts connections from this computer."""
    return host.strip().lower() in LOCAL_HOSTS


def create_app(token: str | None = None, output_dir: str | Path | None = None,
               wards_root: str | Path | None = None, archive=None):
    """Return the FastAPI application; with `token`, every request must send it in `Authorization`.

    Reports are written into `output_dir`; with `wards_root`, the merge button only reads
    ward folders inside it.
    """
    from fastapi import FastAPI, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse, PlainTextResponse

    from . import excel

    excel.use_remote_engine()

    app = FastAPI(title="xltools", docs_url=None, redoc_url=None, openapi_url=None)
    handlers = dict(excel.HANDLERS, report=partial(excel.report, output_dir=output_dir),
                    merge=partial(excel.merge, wards_root=wards_root))
    if archive is not None:  # an open xltools.archive.Archive: Tính toán pre-fills, Kiểm tra warns
        handlers.update(check=partial(excel.check, archive=archive), compute=partial(excel.compute, archive=archive))

    def refuse(status: int, message: str):
        # VBA's RunRemotePython shows the body of a failed response in a message box.
        return PlainTextResponse(f"xltools: {message}", status_code=status)

    def authorised(request: Request) -> bool:
        if not token:
            return True
        sent = request.headers.get("authorization", "")
        if sent.lower().startswith("bearer "):
            sent = sent[7:]
        return hmac.compare_digest(sent.strip().encode(), token.encode())

    @app.get("/health")
    def health():
        import xlwings

        return {"status": "ok", "xlwings": xlwings.__version__, "handlers": sorted(handlers)}

    @app.post("/xlwings/{name}")
    async def run(name: str, request: Request, macros: str | None = None):
        if not authorised(request):
            return refuse(401, "sai hoặc thiếu mã truy cập (Authorization). Đề nghị hỏi cán bộ CNTT mã đúng.")
        if name not in handlers:
            return refuse(404, f"không có chức năng «{name}»; chỉ có: {', '.join(sorted(handlers))}.")
        too_large = f"bảng tính gửi lên quá lớn (trên {MAX_PAYLOAD_BYTES // 1048576} MB)."
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_PAYLOAD_BYTES:
            return refuse(413, too_large)
        chunks, size = [], 0
        async for chunk in request.stream():  # a body without Content-Length is cut off at the limit too
            size += len(chunk)
            if size > MAX_PAYLOAD_BYTES:
                return refuse(413, too_large)
            chunks.append(chunk)
        try:
            payload = json.loads(b"".join(chunks))
        except ValueError:
            return refuse(400, "dữ liệu gửi lên không phải JSON của xlwings.")
        return await run_in_threadpool(_run_handler, handlers[name], payload, macros, refuse, JSONResponse)

    return app


def _run_handler(handler, payload, macros, refuse, respond):
    """Open the payload as a book, run `handler`, and return the actions for the client."""
    import xlwings as xw

    from .excel import BookWriter

    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) or "book" not in payload:
        return refuse(400, "dữ liệu gửi lên không đúng định dạng của xlwings (thiếu «book» hoặc «sheets»).")
    for number, sheet in enumerate(payload["sheets"], start=1):
        values = sheet.get("values") if isinstance(sheet, dict) else None
        if not (isinstance(sheet, dict) and isinstance(sheet.get("name"), str) and isinstance(values, list)
                and all(isinstance(row, list) for row in values)):
            return refuse(400, f"dữ liệu gửi lên không đúng định dạng của xlwings (trang thứ {number} thiếu "
                               "«name» hoặc «values» dạng bảng).")
    if macros:
        from .excel import MACRO_BOOK_KEY

        payload[MACRO_BOOK_KEY] = macros
    try:
        book = xw.Book(json=payload)
    except xw.XlwingsError as exc:
        if "version" in str(exc):
            return refuse(400, f"phiên bản xlwings trên máy trạm ({payload.get('version')}) khác máy chủ "
                               f"({xw.__version__}). Đề nghị cài cùng một phiên bản.")
        return refuse(400, f"không mở được bảng tính gửi lên ({exc}).")
    except Exception as exc:  # any other shape error in the payload
        log.warning("payload refused: %s: %s", type(exc).__name__, exc)
        return refuse(400, f"dữ liệu gửi lên không đúng định dạng của xlwings ({type(exc).__name__}: {exc}).")
    try:
        message = handler(book)  # never raises: failures are written into the book as a message
        if not book.json()["actions"]:
            # Nothing could be written into the book: say it in a message box instead.
            BookWriter.of(book).alert(message, critical=message.startswith("Lỗi"))
        return respond(book.json())
    finally:
        book.close()  # xlwings keeps every opened book in its process-wide list until it is closed


def serve(host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
          output_dir: str | Path | None = None, wards_root: str | Path | None = None, db: str | None = None) -> None:
    """Run the server until interrupted; refuse a non-local `host` without a `token`."""
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
    app = create_app(token=token, output_dir=output_dir, wards_root=wards_root, archive=archive)
    print(LICENCE_NOTICE, flush=True)
    print(f"xltools đang phục vụ tại http://{host}:{port}/xlwings/<check|compute|merge|report> "
          f"({'có' if token else 'không'} mã truy cập). Bấm Ctrl+C để dừng.", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
