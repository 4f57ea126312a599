"""The command line: a thin door onto the library. Exit 0 = fine, 1 = the data has errors, 2 = could not run."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from .errors import XltoolsError

EXIT_OK, EXIT_DATA_ERRORS, EXIT_CANNOT_RUN = 0, 1, 2
CATALOG_HELP = ("tệp danh mục chỉ tiêu (.xlsx) dùng để đánh giá; mặc định: danh mục của cơ quan (XLTOOLS_CATALOG hoặc "
                "tệp cấu hình), nếu không có thì danh mục đi kèm biểu khi còn khớp phiên bản mẫu, cuối cùng là danh mục "
                "đi kèm xltools")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"Lỗi: tham số không hợp lệ: {message}", file=sys.stderr)
        raise SystemExit(EXIT_CANNOT_RUN)


def cmd_new(args) -> int:
    from .catalog import load_catalog
    from .writer import new_workbook

    catalog = load_catalog(args.catalog)
    known = archived_figures(args, catalog, args.unit_code, args.period, args.year)
    new_workbook(args.output, catalog, force=args.force, unit_code=args.unit_code, unit_name=args.unit_name,
                 year=args.year, period=args.period, city=args.city, known=known)
    print(f"Đã tạo {args.output} ({len(catalog)} chỉ tiêu, phiên bản mẫu {catalog.version}).")
    if known is not None:
        print(prefilled_text(known))
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
          output_dir=args.output_dir, wards_root=args.wards_root, allow_hosts=args.allow_host,
          keep_minutes=args.keep_reports, reports_max_mb=args.reports_max_mb, db=db_from(args))
    return EXIT_OK


def cmd_addin(args) -> int:
    from .addin import build_addin

    written = build_addin(args.output, server_url=args.server_url, token=args.token, force=args.force)
    where = f"gọi máy chủ {args.server_url}" if args.server_url else "chạy Python trên máy dùng nó"
    print(f"Đã tạo add-in {written} (các nút {where}). Cài đặt: xem macros/README.md.")
    return EXIT_OK


def cmd_merge(args) -> int:
    import json

    from .catalog import load_catalog
    from .check import findings_to_json
    from .merge import merge
    from .numbers import format_number as n

    from .archive import using_archive

    catalog = load_catalog(args.catalog) if args.catalog else None
    with using_archive(db_from(args), create=True) as archive:
        result = merge(args.inputs, args.output, catalog=catalog, base=args.base, jobs=args.jobs, force=args.force,
                       limits=limits_from(args), archive=archive)
    if args.json:
        print(json.dumps({"output": str(result.output), "register": [e.as_dict() for e in result.register],
                          "findings": findings_to_json(result.findings)}, ensure_ascii=False, indent=2))
    else:
        print(f"Đã tổng hợp vào {result.output}.")
        print(f"Đã nhận báo cáo của {n(result.received)}/{n(result.expected)} đơn vị; "
              f"đưa vào tổng hợp {n(result.included)} tệp.")
        if result.missing:
            names = [e.unit_name or e.unit_code for e in result.missing]
            more = f" và {n(len(names) - 20)} đơn vị khác" if len(names) > 20 else ""
            print(f"Chưa nộp ({n(len(names))}): {', '.join(names[:20])}{more}.")
        if result.findings:
            print(f"Có {n(result.errors)} lỗi, {n(result.warnings)} cảnh báo; xem trang «Kiểm tra» và "
                  "«Tình hình nộp báo cáo» trong tệp tổng hợp.")
        else:
            print("Không có lỗi hay cảnh báo nào.")
    return EXIT_OK if result.ok else EXIT_DATA_ERRORS


def cmd_check(args) -> int:
    import json

    from .catalog import load_catalog
    from .check import annotate, check_file, findings_table, findings_to_json
    from .errors import BadArguments
    from .merge import ward_files

    catalog = load_catalog(args.catalog) if args.catalog else None
    paths = ward_files(args.files)
    if not paths:
        raise BadArguments("không có tệp bảng tính (.xlsx, .xlsm, .xls, .ods) nào để kiểm tra.")
    results = [check_file(path, catalog, limits_from(args)) for path in paths]
    check_against_archive(args, results)
    findings = [f for result in results for f in result.findings]
    if args.json:
        print(json.dumps(findings_to_json(findings), ensure_ascii=False, indent=2))
    else:
        print(findings_table(findings, checked=len(results)))
    failed = False
    if args.annotate:
        folder = len(paths) > 1 or os.path.isdir(args.annotate)  # False, not OSError, for a name too long
        for result in results:
            if not result.readable:
                continue
            target = Path(args.annotate) / result.path.name if folder else Path(args.annotate)
            try:
                annotate(result.path, target, result, force=args.force)
                print(f"Đã ghi bản đánh dấu {target}.", file=sys.stderr if args.json else sys.stdout)
            except XltoolsError as exc:
                print(f"Lỗi: {exc}", file=sys.stderr)
                failed = True
    if failed or not any(result.readable for result in results):
        return EXIT_CANNOT_RUN
    return EXIT_DATA_ERRORS if any(f.is_error for f in findings) else EXIT_OK


def cmd_report(args) -> int:
    from .catalog import load_catalog
    from .report import report_workbook

    from .archive import using_archive

    catalog = load_catalog(args.catalog) if args.catalog else None
    with using_archive(db_from(args)) as archive:
        written = report_workbook(args.file, args.output, template=args.template, force=args.force, catalog=catalog,
                                  limits=limits_from(args), archive=archive)
    print(f"Đã tạo báo cáo {written}.")
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
    new.add_argument("--catalog", help="tệp danh mục chỉ tiêu (.xlsx); mặc định: danh mục của cơ quan (XLTOOLS_CATALOG "
                                       "hoặc tệp cấu hình), nếu không có thì danh mục đi kèm xltools")
    new.add_argument("--city", action="store_true", help="tạo biểu tổng hợp cấp thành phố")
    new.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    add_db_option(new, "điền sẵn «Thực hiện cùng kỳ năm trước», «Kế hoạch năm» (và số lũy kế của kỳ cộng dồn) "
                       "từ kho; mỗi ô điền sẵn có ghi chú lấy từ tệp nào, ngày nào")
    new.set_defaults(run=cmd_new)

    catalog = commands.add_parser(
        "catalog", help="xuất danh mục chỉ tiêu ra tệp Excel để chỉnh sửa",
        epilog="Ví dụ: xltools catalog -o danh-muc-chi-tieu.xlsx",
    )
    catalog.add_argument("-o", "--output", required=True, help="tệp .xlsx sẽ tạo")
    catalog.add_argument("--catalog", help="danh mục nguồn (.xlsx); mặc định: danh mục của cơ quan, nếu không có thì "
                                           "danh mục đi kèm xltools")
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
        epilog="Ví dụ: xltools serve --host 0.0.0.0 --port 8000 --token 'ma-bi-mat' --wards-root D:\\BaoCao",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="địa chỉ lắng nghe; mặc định 127.0.0.1 (chỉ máy này). Địa chỉ khác bắt buộc có --token")
    serve.add_argument("--port", type=int, default=8000, help="cổng, mặc định 8000")
    serve.add_argument("--token", help="mã truy cập mà Excel phải gửi trong tiêu đề Authorization "
                                       "(hoặc đặt biến môi trường XLTOOLS_TOKEN)")
    serve.add_argument("--output-dir", help="thư mục giữ tạm báo cáo .docx chờ máy trạm tải về; mặc định một thư mục "
                                            "tạm")
    serve.add_argument("--keep-reports", type=_positive, default=60, metavar="PHÚT",
                       help="giữ báo cáo trên máy chủ bao nhiêu phút để máy trạm tải về; mặc định 60")
    serve.add_argument("--reports-max-mb", type=_positive, default=500, metavar="MB",
                       help="dung lượng tối đa của các báo cáo đang giữ (quá thì xóa báo cáo cũ nhất); mặc định 500")
    serve.add_argument("--wards-root", help="thư mục chứa tệp của các phường, xã: nút Tổng hợp chỉ đọc các thư mục nằm "
                                            "trong đó (đường dẫn tương đối tính từ đây); không có thì nút Tổng hợp "
                                            "không chạy qua máy chủ")
    serve.add_argument("--allow-host", action="append", default=[], metavar="TÊN",
                       help="tên máy chủ mà add-in dùng trong địa chỉ (ví dụ xltools.ubnd.local), nếu không dùng địa "
                            "chỉ IP; nhắc lại cho mỗi tên")
    add_db_option(serve, "nút Tính toán điền sẵn cùng kỳ và kế hoạch năm từ kho, nút Kiểm tra cảnh báo số gõ khác kho")
    serve.set_defaults(run=cmd_serve)

    addin = commands.add_parser(
        "addin", help="tạo add-in Excel XLTools.xlam (thẻ «Báo cáo KT-XH» với 4 nút), chỉ một tệp để cài",
        description="Ghi add-in Excel gồm thẻ ribbon «Báo cáo KT-XH», mô-đun VBA của các nút và các mô-đun "
                    "xlwings cần cho chúng (lấy từ xlwings đang cài, nên cùng phiên bản với máy chủ). Máy trạm "
                    "không cần xlwings.xlam hay tham chiếu VBA: chép tệp vào %%APPDATA%%\\Microsoft\\AddIns rồi "
                    "đánh dấu trong danh sách add-in của Excel (Excel 2010 trở lên).",
        epilog="Ví dụ: xltools addin -o XLTools.xlam --server-url http://10.0.0.5:8000 --token 'ma-bi-mat'",
    )
    addin.add_argument("-o", "--output", required=True, help="tệp add-in .xlam sẽ ghi")
    addin.add_argument("--server-url", default="",
                       help="địa chỉ máy chủ xltools (xltools serve) mà các nút gọi; bỏ trống thì các nút chạy "
                            "Python trên máy dùng add-in")
    addin.add_argument("--token", default="", help="mã truy cập của máy chủ (xltools serve --token)")
    addin.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    addin.set_defaults(run=cmd_addin)

    merge = commands.add_parser(
        "merge", help="tổng hợp biểu số liệu của các phường, xã thành biểu thành phố",
        description="Đọc các biểu phường, xã (tệp hoặc thư mục), kiểm tra từng tệp, cộng/tính lại số liệu theo "
                    "danh mục chỉ tiêu và ghi biểu thành phố kèm các trang «Theo đơn vị», «Xếp hạng», «Tình hình "
                    "nộp báo cáo» và «Kiểm tra». Tệp đầu vào chỉ được đọc, không bị sửa.",
        epilog="Ví dụ: xltools merge bao-cao-phuong-xa/ -o tong-hop-2022.xlsx --base thanh-pho-co-so.xlsx",
    )
    merge.add_argument("inputs", nargs="+", metavar="INPUT", help="tệp .xlsx/.xlsm/.xls/.ods hoặc thư mục chứa chúng")
    merge.add_argument("-o", "--output", required=True, help="tệp biểu thành phố (.xlsx) sẽ ghi")
    merge.add_argument("--base", help="biểu thành phố gốc: danh sách đơn vị, kỳ báo cáo, số liệu cấp thành phố")
    merge.add_argument("--catalog", help=CATALOG_HELP)
    merge.add_argument("--jobs", type=_positive, help="số tiến trình đọc song song; mặc định bằng số lõi CPU")
    merge.add_argument("--json", action="store_true", help="in kết quả dạng JSON (output, register, findings)")
    merge.add_argument("--force", action="store_true", help="ghi đè nếu tệp kết quả đã có")
    add_db_option(merge, "lưu các biểu phường, xã và kết quả tổng hợp vào kho; đánh dấu biểu gửi lại; cảnh báo đơn vị "
                         "có mức tăng, giảm khác xa các đơn vị khác hoặc khác xa số liệu các năm trước của chính đơn vị")
    add_limit_options(merge)
    merge.set_defaults(run=cmd_merge)

    report = commands.add_parser(
        "report", help="viết báo cáo Word (thể thức Nghị định 30/2020/NĐ-CP) từ biểu số liệu",
        description="Lập «Báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội» từ biểu phường, xã "
                    "hoặc biểu tổng hợp thành phố: phần tóm tắt chỉ tiêu chủ yếu có chú thích cuối trang, câu văn "
                    "theo từng lĩnh vực, thuyết minh, chỉ tiêu năm sau và phụ lục số liệu. Tệp đầu vào không bị sửa.",
        epilog="Ví dụ: xltools report tong-hop-2022.xlsx -o bao-cao-kt-xh-2022.docx",
    )
    report.add_argument("file", metavar="FILE", help="biểu số liệu (.xlsx/.xlsm/.xls/.ods)")
    report.add_argument("-o", "--output", required=True, help="tệp báo cáo .docx sẽ ghi")
    report.add_argument("--template", help="mẫu Word (.docx) thay cho mẫu đi kèm templates/bao-cao.docx")
    report.add_argument("--catalog", help=CATALOG_HELP)
    report.add_argument("--force", action="store_true", help="ghi đè nếu tệp báo cáo đã có")
    add_db_option(report, "thêm câu và biểu đồ xu hướng của các chỉ tiêu chủ yếu có số liệu từ 3 năm trở lên trong kho")
    add_limit_options(report)
    report.set_defaults(run=cmd_report)

    check = commands.add_parser(
        "check", help="kiểm tra biểu số liệu: ô trống, số sai, tỷ lệ %% gõ tay sai, tổng không khớp...",
        description="Kiểm tra từng tệp theo danh mục chỉ tiêu và in danh sách lỗi (phải sửa) và cảnh báo (cần xem "
                    "lại), mỗi dòng chỉ rõ tệp, trang tính và ô. Mã thoát: 0 không có lỗi, 1 có lỗi, 2 không chạy "
                    "được (mọi tệp đều không đọc được, tham số sai, không ghi được bản đánh dấu). Tệp không đọc "
                    "được nằm cùng tệp đọc được thì tính là một lỗi. Tệp đầu vào chỉ được đọc, không bị sửa.",
        epilog="Ví dụ: xltools check tran-phu.xlsx --annotate tran-phu-kiem-tra.xlsx; "
               "xltools check bao-cao-phuong-xa/ --json > ket-qua.json",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="tệp .xlsx/.xlsm/.xls/.ods hoặc thư mục chứa chúng")
    check.add_argument("--json", action="store_true",
                       help="in danh sách phát hiện dạng JSON (severity, code, message, file, sheet, cell, indicator)")
    check.add_argument("--annotate", metavar="OUT",
                       help="ghi bản sao có tô màu ô lỗi, ghi chú và trang «Kiểm tra»; một tệp: OUT là tệp .xlsx; "
                            "nhiều tệp (hoặc OUT là thư mục có sẵn): OUT là thư mục, bản sao giữ tên tệp gốc")
    check.add_argument("--catalog", help=CATALOG_HELP)
    check.add_argument("--force", action="store_true", help="ghi đè bản đánh dấu nếu đã có")
    add_db_option(check, "cảnh báo ngay tại ô khi số cùng kỳ hoặc kế hoạch năm gõ vào khác số trong kho")
    add_limit_options(check)
    check.set_defaults(run=cmd_check)
    add_archive_commands(commands)
    return parser


# --------------------------------------------------------------------------------------------- the archive


def add_db_option(parser: argparse.ArgumentParser, what: str = "") -> None:
    """Add `--db` (the archive: a SQLite file or a postgresql:// URL; default XLTOOLS_DB or the config file)."""
    parser.add_argument("--db", metavar="DB", help="kho lưu trữ: tệp SQLite (ví dụ luu-tru.sqlite) hoặc địa chỉ "
                        "postgresql://…; mặc định XLTOOLS_DB hoặc mục «db» trong tệp cấu hình"
                        + (f". Khi có kho: {what}" if what else ""))


def db_from(args) -> str | None:
    """Return the archive the command uses: `--db`, else the office's (XLTOOLS_DB, the config file), else None."""
    from .config import setting

    return getattr(args, "db", None) or setting("db")


def required_db(args) -> str:
    from .errors import BadArguments

    db = db_from(args)
    if not db:
        raise BadArguments("chưa chọn kho lưu trữ: dùng --db (tệp SQLite hoặc postgresql://…) hoặc đặt XLTOOLS_DB.")
    return db


def archived_figures(args, catalog, unit: str, period: str, year: int):
    """Return what the archive of `args` knows of `unit`'s report (see archive.known_figures), None without one."""
    from .archive import known_figures, open_archive

    db = db_from(args)
    if not db:
        return None
    with open_archive(db, create=False) as archive:
        return known_figures(archive, catalog, unit, period, year)


def prefilled_text(known) -> str:
    from .numbers import format_number as n

    counts = {name: sum(name in values for values in known.values()) for name in ("last_year", "plan", "actual")}
    if not any(counts.values()):
        return "Kho lưu trữ chưa có số liệu của đơn vị cho kỳ này; các ô cùng kỳ và kế hoạch để trống."
    parts = [f"{n(counts['last_year'])} ô cùng kỳ", f"{n(counts['plan'])} ô kế hoạch năm"]
    if counts["actual"]:
        parts.append(f"{n(counts['actual'])} ô số lũy kế")
    return "Đã điền sẵn từ kho lưu trữ: " + ", ".join(parts) + " (xem ghi chú ở từng ô)."


def check_against_archive(args, results) -> None:
    """Add to each readable result the findings of its cùng kỳ and plan figures that differ from the archive's."""
    from .archive import known_figures, open_archive
    from .check.archived import archived_differences
    from .check.checker import sort_findings

    db = db_from(args)
    if not db:
        return
    with open_archive(db, create=False) as archive:
        for result in results:
            sub = result.submission
            if sub is None or not sub.unit_code or sub.period is None or not sub.year:
                continue
            known = known_figures(archive, result.catalog, sub.unit_code, sub.period, sub.year)
            result.findings = sort_findings(result.findings + archived_differences(sub, result.catalog, known),
                                            sub.data_sheet)


def cmd_archive_import(args) -> int:
    import os

    from .archive import import_files, open_archive
    from .catalog import load_catalog
    from .check import findings_table
    from .numbers import format_number as n

    catalog = load_catalog(args.catalog) if args.catalog else None
    with open_archive(required_db(args)) as archive:
        result = import_files(archive, args.paths, catalog, jobs=args.jobs or os.cpu_count() or 1,
                              limits=limits_from(args))
        name = archive.name
    if result.skipped:
        print(findings_table(result.skipped, checked=len(result.skipped)))
    errors = sum(f.is_error for r in result.recorded if r.outcome != "same" for f in r.record.findings)
    print(f"Kho {name}: đã lưu {n(result.count('new') + result.count('version'))}/{n(result.files)} tệp "
          f"({n(result.count('version'))} bản sửa của báo cáo đã có); {n(result.count('same'))} tệp đã có trong kho, "
          f"bỏ qua; {n(len(result.skipped))} tệp không lưu được. Các biểu vừa lưu có {n(errors)} lỗi.")
    if not result.recorded:
        return EXIT_CANNOT_RUN
    return EXIT_DATA_ERRORS if result.skipped else EXIT_OK


def cmd_archive_history(args) -> int:
    import json

    from .archive import history, open_archive
    from .numbers import format_number as n

    with open_archive(required_db(args), create=False) as archive:
        found = history(archive, args.unit, args.indicator)
    if args.json:
        print(json.dumps([a.as_dict() for a in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not found:
        print(f"Kho chưa có báo cáo nào của đơn vị {args.unit}.")
        return EXIT_OK
    print(f"{found[0].unit_code} — {found[0].unit_name}: {n(len(found))} bản báo cáo, mới nhất trước.")
    for a in found:
        line = (f"{a.year}  {a.period:<9} bản {a.version}  {a.status or '':<13} tệp «{a.file}» ngày {a.date}, "
                f"lưu {a.imported:%d/%m/%Y %H:%M}; {n(a.errors)} lỗi, {n(a.warnings)} cảnh báo")
        if args.indicator:
            values = a.figures.get(args.indicator, {})
            line += "; " + ", ".join(f"{DATA_TITLES[name]}: {n(values[name])}" for name in DATA_TITLES
                                     if name in values) if values else f"; không có số của {args.indicator}"
        print(line)
    return EXIT_OK


def cmd_archive_diff(args) -> int:
    import json

    from .archive import diff, open_archive
    from .numbers import format_number as n
    from .submission import Period

    with open_archive(required_db(args), create=False) as archive:
        found = diff(archive, args.unit, args.period, args.year)
    new, old = found.new, found.old
    if args.json:
        print(json.dumps({"new": new.as_dict(), "old": old.as_dict() if old else None,
                          "changes": [vars(c) for c in found.changes]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    when = Period.parse(new.period).text(new.year)
    if old is None:
        print(f"Báo cáo {when} của {new.unit_code} mới có một bản (tệp «{new.file}»); không có gì để so sánh.")
        return EXIT_OK
    print(f"{new.unit_code} — báo cáo {when}: bản {old.version} (tệp «{old.file}», ngày {old.date}) "
          f"→ bản {new.version} (tệp «{new.file}», ngày {new.date}): {n(len(found.changes))} số liệu thay đổi.")
    shown = lambda value: "(trống)" if value is None else n(value)
    for change in found.changes:
        print(f"  {change.indicator:<16} {DATA_TITLES[change.field]:<28} {shown(change.old):>14} → {shown(change.new)}")
    return EXIT_OK


def cmd_archive_export(args) -> int:
    from .archive import export, open_archive
    from .numbers import format_number as n

    with open_archive(required_db(args), create=False) as archive:
        rows = export(archive, args.output, force=args.force)
    print(f"Đã xuất {n(rows)} số liệu vào {args.output} (unit, period, year, indicator, field, value, version).")
    return EXIT_OK


def add_archive_commands(commands) -> None:
    """Add `xltools archive import|history|diff|export`."""
    archive = commands.add_parser(
        "archive", help="kho lưu trữ: lưu mọi biểu theo đơn vị, kỳ, năm và bản; xem lịch sử, so sánh, xuất dữ liệu",
        description="Kho lưu trữ giữ mọi biểu đã nhận (tệp SQLite, hoặc máy chủ PostgreSQL dùng chung): mỗi đơn vị, "
                    "kỳ báo cáo, năm, và mọi bản gửi lại. Từ kho, «xltools new --db» điền sẵn cùng kỳ và kế hoạch "
                    "năm, «check --db» cảnh báo số gõ khác kho, «report --db» nêu xu hướng nhiều năm.",
        epilog="Ví dụ: xltools archive import bao-cao-2021/ --db luu-tru.sqlite; "
               "xltools archive history --unit TRAN_PHU --db luu-tru.sqlite",
    )
    actions = archive.add_subparsers(dest="action", required=True, parser_class=_Parser)
    put = actions.add_parser(
        "import", help="lưu các biểu (tệp hoặc thư mục) vào kho",
        description="Đọc từng biểu (phường, xã hoặc thành phố), kiểm tra và lưu vào kho trong một lần ghi: tệp đã "
                    "có trong kho (cùng nội dung) được bỏ qua; tệp khác của cùng đơn vị, kỳ, năm thành bản mới, bản "
                    "cũ vẫn giữ. Tệp không đọc được được liệt kê và không lưu. Mã thoát: 0 lưu hết, 1 có tệp không "
                    "lưu được, 2 không lưu được tệp nào hoặc không mở được kho.",
        epilog="Ví dụ: xltools archive import bao-cao-2021/ tran-phu-2022.xlsx --db luu-tru.sqlite",
    )
    put.add_argument("paths", nargs="+", metavar="PATH", help="tệp .xlsx/.xlsm/.xls/.ods hoặc thư mục chứa chúng")
    put.add_argument("--catalog", help=CATALOG_HELP)
    put.add_argument("--jobs", type=_positive, help="số tiến trình đọc song song; mặc định bằng số lõi CPU")
    add_db_option(put)
    add_limit_options(put)
    put.set_defaults(run=cmd_archive_import)

    past = actions.add_parser(
        "history", help="các bản báo cáo của một đơn vị, mới nhất trước; với --indicator: số liệu của chỉ tiêu",
        epilog="Ví dụ: xltools archive history --unit TRAN_PHU --indicator THU_NS --db luu-tru.sqlite",
    )
    past.add_argument("--unit", required=True, help="mã đơn vị, ví dụ TRAN_PHU")
    past.add_argument("--indicator", help="mã chỉ tiêu: in thêm số liệu của chỉ tiêu ở từng bản")
    past.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    add_db_option(past)
    past.set_defaults(run=cmd_archive_history)

    compare = actions.add_parser(
        "diff", help="các số liệu thay đổi giữa hai bản gần nhất của một báo cáo",
        epilog="Ví dụ: xltools archive diff --unit TRAN_PHU --period Năm --year 2021 --db luu-tru.sqlite",
    )
    compare.add_argument("--unit", required=True, help="mã đơn vị, ví dụ TRAN_PHU")
    compare.add_argument("--period", required=True, help="kỳ báo cáo: 'Năm', '6 tháng', 'Quý I', 'Tháng 10'...")
    compare.add_argument("--year", required=True, type=int, help="năm báo cáo")
    compare.add_argument("--json", action="store_true", help="in kết quả dạng JSON (new, old, changes)")
    add_db_option(compare)
    compare.set_defaults(run=cmd_archive_diff)

    out = actions.add_parser(
        "export", help="xuất toàn bộ số liệu trong kho thành bảng dài (.csv hoặc .parquet) để phân tích",
        description="Mỗi dòng một số liệu: unit, period, year, indicator, field (plan, last_year, actual, "
                    "next_plan), value, version; mọi bản đều có, lọc bản mới nhất theo version.",
        epilog="Ví dụ: xltools archive export --db luu-tru.sqlite -o so-lieu.csv",
    )
    out.add_argument("-o", "--output", required=True, help="tệp .csv hoặc .parquet sẽ ghi")
    out.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    add_db_option(out)
    out.set_defaults(run=cmd_archive_export)


DATA_TITLES = {"plan": "Kế hoạch năm", "last_year": "Cùng kỳ năm trước", "actual": "Thực hiện",
               "next_plan": "Kế hoạch năm sau"}


def _stop_on_terminate() -> None:
    """Turn SIGTERM into KeyboardInterrupt so unfinished outputs are removed before exiting."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    _stop_on_terminate()  # first: a SIGTERM while the parser loads the reader must still exit cleanly
    _replace_unprintable()
    try:
        try:
            args = build_parser().parse_args(argv)
            code = args.run(args)
        finally:
            sys.stdout.flush()  # here, not at exit: a reader gone (| head) or a full disk is answered below
    except XltoolsError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu; không có tệp kết quả dở dang nào được giữ lại.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except BrokenPipeError:  # the reader of our output stopped reading (| head): nothing more to say
        _discard_output()
        return EXIT_CANNOT_RUN
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            return _unexpected()
        _discard_output()  # what could not be written is dropped, so the exit does not try again
        print("Lỗi: không ghi được kết quả vì ổ đĩa đã đầy. Đề nghị giải phóng dung lượng rồi chạy lại.",
              file=sys.stderr)
        return EXIT_CANNOT_RUN
    except Exception:
        return _unexpected()
    return code


def _unexpected() -> int:
    """Tell the user about a bug: a message and where the details are, never a traceback."""
    print(f"Lỗi: xltools gặp lỗi ngoài dự kiến; chi tiết kỹ thuật đã ghi vào {_save_traceback()}. "
          "Đề nghị gửi tệp này cùng tệp dữ liệu cho bộ phận kỹ thuật.", file=sys.stderr)
    return EXIT_CANNOT_RUN


def _replace_unprintable() -> None:
    """Print a character the terminal's encoding lacks (a file name that is not UTF-8) as `?`, not as a crash."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def _discard_output() -> None:
    """Point standard output at the null device, so that what is still buffered is not written at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): nothing is flushed at exit
        pass


def _save_traceback() -> str:
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="xltools-loi-", suffix=".txt", delete=False, encoding="utf-8") as out:
        traceback.print_exc(file=out)
        return out.name


if __name__ == "__main__":
    sys.exit(main())
