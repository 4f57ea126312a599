"""The office's own settings, set once by the IT person: its catalog and its archive.

Each setting is read from an environment variable, else from the office's config file
(TOML). The file is `XLTOOLS_CONFIG` when set, else `%APPDATA%\\xltools\\xltools.toml` on
Windows and `~/.config/xltools/xltools.toml` elsewhere:

    # xltools.toml
    catalog = "D:\\\\BaoCao\\\\danh-muc-chi-tieu.xlsx"   # the office's catalog (XLTOOLS_CATALOG)
    db = "D:\\\\BaoCao\\\\luu-tru.sqlite"              # the archive (XLTOOLS_DB)

Relative paths in the file are taken from the file's folder.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from .errors import BadArguments

__all__ = ["setting", "config_path", "SETTINGS"]

# Setting -> the environment variable that overrides the file.
SETTINGS = {"catalog": "XLTOOLS_CATALOG", "db": "XLTOOLS_DB"}


def config_path() -> Path:
    """Return where the office's config file is (it need not exist)."""
    if os.environ.get("XLTOOLS_CONFIG"):
        return Path(os.environ["XLTOOLS_CONFIG"]).expanduser()
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "xltools" / "xltools.toml"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "xltools" / "xltools.toml"


def setting(name: str) -> str | None:
    """Return the office's value of setting `name` (`catalog`, `db`): its variable, else the config file, else None."""
    value = os.environ.get(SETTINGS[name], "").strip()
    if value:
        return value
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadArguments(f"{path}: không đọc được tệp cấu hình ({exc.strerror or exc}).") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadArguments(f"{path}: tệp cấu hình sai cú pháp TOML ({exc}).") from None
    value = values.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadArguments(f"{path}: mục «{name}» phải là chuỗi trong dấu nháy kép.")
    if "://" not in value and not Path(value).expanduser().is_absolute():
        value = str(path.parent / value)
    return value
