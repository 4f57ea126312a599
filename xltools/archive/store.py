"""The archive's database: one schema on SQLite (a file, the default) and PostgreSQL (an office server).

Tables (SQLAlchemy Core): `xltools_meta` (the schema version), `xltools_submissions` (one row per
version of a unit's report for a period and year: who, which file, its SHA-256, when it was
modified and imported, ước/chính thức), `xltools_figures` (indicator, field, value) and
`xltools_findings`. Writers take one lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory
lock) so two imports at once both land, one after the other; each runs in one transaction,
so a failed or killed import leaves the archive as it was.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import (Column, DateTime, Float, ForeignKey, Integer, MetaData, PrimaryKeyConstraint, String, Table,
                        Text, UniqueConstraint, create_engine, event, inspect, select, text)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from ..errors import XltoolsError
from ..numbers import format_number

__all__ = ["Archive", "ArchiveError", "open_archive", "using_archive", "SCHEMA_VERSION", "UPGRADES", "metadata",
           "submissions", "figures", "findings", "meta", "describe", "insert_many", "LOCK_SECONDS"]

SCHEMA_VERSION = 1
APPLICATION = "xltools"
# Upgrade steps: UPGRADES[n] turns a schema of version n into version n + 1, inside the opening transaction.
UPGRADES: dict[int, Callable[[Connection], None]] = {}
LOCK_SECONDS = 60.0  # how long a writer waits for another one before saying the archive is busy
_ADVISORY_KEY = 0x78_6C_74_6F_6F_6C_73  # "xltools": the PostgreSQL advisory lock that orders writers

metadata = MetaData()
meta = Table("xltools_meta", metadata, Column("key", String(40), primary_key=True), Column("value", Text))
submissions = Table(
    "xltools_submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("unit_code", String(40), nullable=False),
    Column("unit_name", Text, nullable=False, default=""),
    Column("level", String(10), nullable=False),  # ward | city
    Column("period", String(20), nullable=False),  # the Period's label: `Năm`, `6 tháng`, `Tháng 10`, `Quý II`
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("catalog_version", String(40), nullable=False, default=""),
    Column("file", Text, nullable=False, default=""),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("modified", DateTime),
    Column("imported", DateTime, nullable=False),
    Column("status", String(20), nullable=False, default=""),  # Ước thực hiện | Thực hiện
    UniqueConstraint("unit_code", "period", "year", "version", name="xltools_submission_version"),
)
figures = Table(
    "xltools_figures", metadata,
    Column("submission_id", Integer, ForeignKey("xltools_submissions.id"), nullable=False),
    Column("indicator", String(40), nullable=False),
    Column("field", String(12), nullable=False),  # plan | last_year | actual | next_plan
    Column("value", Float, nullable=False),
    PrimaryKeyConstraint("submission_id", "indicator", "field"),
    sqlite_with_rowid=False,  # the key is the row: a figure costs its own bytes only
)
findings = Table(
    "xltools_findings", metadata,
    Column("submission_id", Integer, ForeignKey("xltools_submissions.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("code", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("sheet", Text),
    Column("cell", String(20)),
    Column("indicator", String(40)),
    PrimaryKeyConstraint("submission_id", "number"),
)
TABLES = [meta.name, submissions.name, figures.name, findings.name]


class ArchiveError(XltoolsError):
    """An archive that cannot be used: not an archive, a newer schema, read-only, locked, unreachable."""


def describe(db: str | Path) -> str:
    """Return how an archive is named to the user: the file, or the server URL without its password."""
    text_db = str(db)
    if "://" not in text_db:
        return text_db
    try:
        return make_url(text_db).render_as_string(hide_password=True)
    except ArgumentError:
        return text_db


class Archive:
    """An open archive: its engine and which database it is; use `reading()` and `writing()` for connections."""

    def __init__(self, engine: Engine, name: str, path: Path | None = None, lock_seconds: float = LOCK_SECONDS):
        self.engine = engine
        self.name = name
        self.path = path
        self.lock_seconds = lock_seconds

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """Yield a connection in a transaction that sees one state of the archive."""
        with self.errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """Yield a connection in a transaction that holds the writers' lock; commit when the block ends well."""
        with self.errors(), self.engine.connect() as conn:
            conn = conn.execution_options(xltools_writer=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
                yield conn

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn a database failure into an ArchiveError whose Vietnamese message says what to do."""
        try:
            yield
        except DBAPIError as exc:
            raise ArchiveError(self._explain(exc.orig, isinstance(exc, OperationalError))) from None
        except sqlite3.Error as exc:  # the driver's own, from a raw connection
            raise ArchiveError(self._explain(exc, isinstance(exc, sqlite3.OperationalError))) from None
        except SQLAlchemyError as exc:
            raise ArchiveError(f"lỗi khi làm việc với kho lưu trữ «{self.name}»: {exc}.") from None

    def _explain(self, exc: BaseException, operational: bool) -> str:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        low = reason.lower()
        where = f"kho lưu trữ «{self.name}»"
        if "is not a database" in low or "file is encrypted" in low:
            return f"{where} không phải kho lưu trữ của xltools (không phải tệp cơ sở dữ liệu SQLite)."
        if "locked" in low or "lock timeout" in low or "canceling statement due to lock" in low:
            return (f"{where} đang bị một chương trình khác khóa quá {format_number(self.lock_seconds)} giây (có thể đang nhập "
                    "dữ liệu hoặc đang mở bằng phần mềm khác). Đề nghị thử lại sau ít phút.")
        if "readonly" in low or "read-only" in low or "permission denied" in low:
            return f"{where} chỉ được đọc, không ghi được (tệp hoặc thư mục chỉ đọc, hoặc không có quyền ghi)."
        if self.dialect == "postgresql" and operational:
            return (f"không kết nối được máy chủ PostgreSQL của {where} ({reason}). Đề nghị kiểm tra địa chỉ, cổng, "
                    "tên đăng nhập và máy chủ có đang chạy không.")
        if "unable to open" in low:
            return f"không mở được {where} (thư mục không tồn tại hoặc không có quyền)."
        if "disk" in low and ("full" in low or "i/o" in low):
            return f"không ghi được vào {where}: đĩa đầy hoặc lỗi đọc ghi ({reason})."
        return f"lỗi khi làm việc với {where}: {reason}."


def open_archive(db: str | Path, *, create: bool = True, lock_seconds: float = LOCK_SECONDS) -> Archive:
    """Return the archive `db` (a file path: SQLite; `postgresql://…`: PostgreSQL), made ready for use.

    A new archive's tables are created; an archive of an earlier schema is upgraded; with
    `create` False a SQLite file that does not exist is an error instead of a new archive.
    Raise ArchiveError, without writing anything, for a database that is not an archive, an
    archive of a newer schema, a read-only file (when `create`, which says the caller writes),
    a lock held longer than `lock_seconds`, or a server that cannot be reached.
    """
    name = describe(db)
    if "://" in str(db):
        archive = Archive(_server_engine(str(db), name, lock_seconds), name, lock_seconds=lock_seconds)
    else:
        path = Path(db).expanduser()
        _check_file(path, name, create)
        archive = Archive(_file_engine(path, lock_seconds), name, path, lock_seconds)
    try:
        _prepare(archive)
    except BaseException:
        archive.close()
        raise
    return archive


@contextlib.contextmanager
def using_archive(db: Archive | str | Path | None, *, create: bool = False) -> Iterator[Archive | None]:
    """Yield `db` when it is an open Archive, the archive it names opened for the block, or None for None."""
    if db is None or isinstance(db, Archive):
        yield db
        return
    with open_archive(db, create=create) as archive:
        yield archive


def _check_file(path: Path, name: str, create: bool) -> None:
    if path.is_dir():
        raise ArchiveError(f"«{name}» là một thư mục, không phải tệp kho lưu trữ (ví dụ D:\\BaoCao\\luu-tru.sqlite).")
    if not path.exists():
        if not create:
            raise ArchiveError(f"không tìm thấy kho lưu trữ «{name}». Kho được tạo khi nhập biểu đầu tiên "
                               "(xltools archive import … --db …).")
        if not path.parent.is_dir():
            raise ArchiveError(f"không tạo được kho lưu trữ «{name}»: thư mục «{path.parent}» không tồn tại.")
        return
    if create and not _writable(path):
        raise ArchiveError(f"kho lưu trữ «{name}» chỉ được đọc, không ghi được (tệp chỉ đọc hoặc không có quyền ghi). "
                           "Đề nghị bỏ thuộc tính chỉ đọc của tệp hoặc chọn kho khác.")


def _writable(path: Path) -> bool:
    """Return True when `path` may be written: permitted, and not marked read-only (which root would ignore)."""
    mode = path.stat().st_mode
    return bool(stat.S_IMODE(mode) & 0o222) and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _file_engine(path: Path, lock_seconds: float) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}", connect_args={"timeout": lock_seconds})

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None  # SQLAlchemy says BEGIN itself (see `begin`)

    @event.listens_for(engine, "begin")
    def begin(conn):
        # A writer takes the write lock at once, so two imports queue instead of failing half-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("xltools_writer") else "BEGIN")

    return engine


def _server_engine(url: str, name: str, lock_seconds: float) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ArchiveError(f"«{name}» không phải địa chỉ kho lưu trữ hợp lệ (ví dụ "
                           "postgresql://nguoidung:matkhau@may-chu:5432/xltools).") from None
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise ArchiveError(f"«{name}»: kho lưu trữ chỉ dùng tệp SQLite hoặc máy chủ PostgreSQL (postgresql://…).")
    parsed = parsed.set(drivername="postgresql+psycopg")
    timeout = f"-c lock_timeout={int(lock_seconds * 1000)}"
    return create_engine(parsed, connect_args={"connect_timeout": 10, "options": timeout}, pool_pre_ping=True)


def _prepare(archive: Archive) -> None:
    """Create the tables of a new archive, upgrade an older one, refuse anything else; write nothing then."""
    found = _schema_version(archive)
    if found == SCHEMA_VERSION:
        return
    if found is not None and found > SCHEMA_VERSION:
        raise ArchiveError(f"kho lưu trữ «{archive.name}» được tạo bởi phiên bản xltools mới hơn (lược đồ {found}, "
                           f"phiên bản này đọc được đến lược đồ {SCHEMA_VERSION}). Đề nghị cập nhật xltools.")
    if found is None and archive.path is not None:
        with archive.errors(), contextlib.closing(archive.engine.raw_connection()) as raw:
            # Outside any transaction, where SQLite allows it; kept in the file: readers never wait for a writer.
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
    with archive.writing() as conn:
        found = _schema_version(archive, conn)  # another process may have done it while this one waited
        if found is None:
            metadata.create_all(conn)
            conn.execute(meta.insert(), [{"key": "application", "value": APPLICATION},
                                         {"key": "schema_version", "value": str(SCHEMA_VERSION)}])
            return
        for version in range(found, SCHEMA_VERSION):
            if version not in UPGRADES:
                raise ArchiveError(f"kho lưu trữ «{archive.name}» có lược đồ {found} mà phiên bản này không nâng cấp "
                                   "được. Đề nghị báo bộ phận kỹ thuật.")
            UPGRADES[version](conn)
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))


def _schema_version(archive: Archive, conn: Connection | None = None) -> int | None:
    """Return the archive's schema version, None for an empty database; raise ArchiveError for a foreign one."""
    with contextlib.ExitStack() as stack:
        if conn is None:
            conn = stack.enter_context(archive.reading())
        tables = set(inspect(conn).get_table_names())
        ours = tables & set(TABLES)
        if meta.name not in tables:
            foreign = ours or (archive.dialect == "sqlite" and tables)
            if foreign:
                raise ArchiveError(f"«{archive.name}» là cơ sở dữ liệu khác, không phải kho lưu trữ của xltools.")
            return None
        values = dict(conn.execute(select(meta.c.key, meta.c.value)).all())
    if values.get("application") != APPLICATION or not str(values.get("schema_version", "")).isdigit():
        raise ArchiveError(f"«{archive.name}» không phải kho lưu trữ của xltools (thiếu phiên bản lược đồ).")
    return int(values["schema_version"])


def insert_many(conn: Connection, table: Table, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples in the order of `columns`) the fastest way the database has: COPY on PostgreSQL,
    executemany on SQLite."""
    raw = conn.connection.driver_connection
    names = ", ".join(columns)
    cursor = raw.cursor()
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()
