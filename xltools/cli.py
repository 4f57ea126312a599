"""The command line: a thin door onto the library. Exit 0 = fine, 1 = the data has errors, 2 = could not run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import XltoolsError

EXIT_OK, EXIT_DATA_ERRORS, EXIT_CANNOT_RUN = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"Lỗi: tham số không hợp lệ: {message}", file=sys.stderr)
        raise SystemExit(EXIT_CANNOT_RUN)


def cmd_new(args) -> int:
    from .catalog import load_catalog
    from .writer import new_workbook

    catalog = load_catalog(args.catalog)
    new_workbook(args.output, catalog, force=args.force, unit_code=args.unit_code, unit_name=args.unit_name,
                 year=args.year, period=args.period, city=args.city)
    print(f"Đã tạo {args.output} ({len(catalog)} chỉ tiêu, phiên bản mẫu {catalog.version}).")
    return EXIT_OK


def cmd_catalog(args) -> int:
    from .catalog import CATALOG_SHEET, load_catalog
    from .writer import write_catalog_workbook

    catalog = load_catalog(args.catalog)
    write_catalog_workbook(catalog, args.output, force=args.force)
    print(f"Đã ghi danh mục {len(catalog)} chỉ tiêu vào {args.output} (trang «{CATALOG_SHEET}»).")
    return EXIT_OK


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(Path(args.output), force=args.force)


def cmd_serve(args) -> int:
    import os

    from .server import serve

    serve(host=args.host, port=args.port, token=args.token or os.environ.get("XLTOOLS_TOKEN"),
          output_dir=args.output_dir)
    return EXIT_OK


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """Add the reading limits (see grid.Limits and the README) as options of a command that reads workbooks."""
    from .grid import DEFAULT_LIMITS as d

    group = parser.add_argument_group("giới hạn khi đọc tệp (chống tệp hỏng hoặc độc hại)")
    group.add_argument("--max-file-mb", type=_positive, default=d.max_file_bytes // 2**20,
                       help=f"dung lượng tệp tối đa, MB (mặc định {d.max_file_bytes // 2**20})")
    group.add_argument("--max-unzipped-mb", type=_positive, default=d.max_unzipped_bytes // 2**20,
                       help=f"dung lượng sau giải nén tối đa, MB (mặc định {d.max_unzipped_bytes // 2**20})")
    group.add_argument("--max-rows", type=_positive, default=d.max_rows,
                       help=f"số dòng tối đa của một trang tính (mặc định {d.max_rows})")
    group.add_argument("--max-columns", type=_positive, default=d.max_columns,
                       help=f"số cột tối đa được đọc (mặc định {d.max_columns})")


def limits_from(args):
    """Return the grid.Limits the options of `add_limit_options` ask for."""
    from .grid import Limits

    return Limits(max_file_bytes=args.max_file_mb * 2**20, max_unzipped_bytes=args.max_unzipped_mb * 2**20,
                  max_rows=args.max_rows, max_columns=args.max_columns)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» không phải số nguyên") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} phải lớn hơn 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xltools", description="Báo cáo tình hình thực hiện chỉ tiêu kinh tế - xã hội từ Excel.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    new = commands.add_parser(
        "new", help="tạo biểu số liệu chuẩn cho một đơn vị và kỳ báo cáo",
        epilog="Ví dụ: xltools new -o tran-phu.xlsx --unit-code TRAN_PHU --unit-name 'Phường Trần Phú' --year 2022",
    )
    new.add_argument("-o", "--output", required=True, help="tệp .xlsx sẽ tạo")
    new.add_argument("--unit-code", required=True, help="mã đơn vị, ví dụ TRAN_PHU")
    new.add_argument("--unit-name", required=True, help="tên đơn vị, ví dụ 'Phường Trần Phú'")
    new.add_argument("--year", required=True, type=int, help="năm báo cáo")
    new.add_argument("--period", default="Năm", help="kỳ báo cáo: 'Năm', '6 tháng', '9 tháng', 'Quý I', 'Tháng 10'...")
    new.add_argument("--catalog", help="tệp danh mục chỉ tiêu (.xlsx); mặc định dùng danh mục đi kèm")
    new.add_argument("--city", action="store_true", help="tạo biểu tổng hợp cấp thành phố")
    new.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    new.set_defaults(run=cmd_new)

    catalog = commands.add_parser(
        "catalog", help="xuất danh mục chỉ tiêu ra tệp Excel để chỉnh sửa",
        epilog="Ví dụ: xltools catalog -o danh-muc-chi-tieu.xlsx",
    )
    catalog.add_argument("-o", "--output", required=True, help="tệp .xlsx sẽ tạo")
    catalog.add_argument("--catalog", help="danh mục nguồn (.xlsx); mặc định dùng danh mục đi kèm")
    catalog.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    catalog.set_defaults(run=cmd_catalog)

    demo = commands.add_parser(
        "demo", help="chạy toàn bộ quy trình trên số liệu mẫu 15 phường, xã của thành phố Hà Tĩnh",
        epilog="Ví dụ: xltools demo -o demo-output",
    )
    demo.add_argument("-o", "--output", default="demo-output", help="thư mục kết quả")
    demo.add_argument("--force", action="store_true", help="ghi đè kết quả cũ trong thư mục")
    demo.set_defaults(run=cmd_demo)

    serve = commands.add_parser(
        "serve", help="chạy máy chủ cho Excel không cài Python (RunRemotePython, Office.js)",
        description="Nhận bảng tính từ Excel qua HTTP, chạy Kiểm tra / Tính toán / Tổng hợp / Tạo báo cáo và trả "
                    "kết quả về Excel. Dùng xlwings PRO theo giấy phép PolyForm Noncommercial (miễn phí cho cơ quan "
                    "nhà nước). Cần cài thêm: pip install \"xltools[serve]\".",
        epilog="Ví dụ: xltools serve --host 0.0.0.0 --port 8000 --token 'ma-bi-mat' --output-dir D:\\BaoCao",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="địa chỉ lắng nghe; mặc định 127.0.0.1 (chỉ máy này). Địa chỉ khác bắt buộc có --token")
    serve.add_argument("--port", type=int, default=8000, help="cổng, mặc định 8000")
    serve.add_argument("--token", help="mã truy cập mà Excel phải gửi trong tiêu đề Authorization "
                                       "(hoặc đặt biến môi trường XLTOOLS_TOKEN)")
    serve.add_argument("--output-dir", help="thư mục ghi báo cáo .docx tạo từ máy trạm; mặc định thư mục hiện tại")
    serve.set_defaults(run=cmd_serve)
    return parser


def _stop_on_terminate() -> None:
    """Turn SIGTERM into KeyboardInterrupt so unfinished outputs are removed before exiting."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _stop_on_terminate()
    try:
        return args.run(args)
    except XltoolsError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu; không có tệp kết quả dở dang nào được giữ lại.", file=sys.stderr)
        return EXIT_CANNOT_RUN


if __name__ == "__main__":
    sys.exit(main())
