"""The archive: every submission kept by unit, period, year and version, in a database.

SQLite (one file, the default) or PostgreSQL (an office server), through one schema (store).
Workbooks are recorded after the merge's reader has read them (recording); the archive is read
back as a unit's history, the difference between two versions, series across years and the
long table for analysts (history); and it fills in what is known already: cùng kỳ, the year's
plan and cumulative figures pieced together from shorter periods (prefill).

    from xltools.archive import open_archive, import_files, known_figures

    with open_archive("luu-tru.sqlite") as archive:
        import_files(archive, ["bao-cao-2021/"])
        known = known_figures(archive, catalog, "TRAN_PHU", "Năm", 2022)
"""

from .history import (Archived, Change, Diff, diff, export, export_frame, history, latest_of, merge_history, series,
                      submissions_of)
from .prefill import Known, accumulate, cover, known_figures
from .recording import (ImportResult, Record, Recorded, import_files, record, record_merge, submission_record,
                        unit_key, ward_record)
from .store import SCHEMA_VERSION, Archive, ArchiveError, describe, open_archive, using_archive

__all__ = ["open_archive", "using_archive", "Archive", "ArchiveError", "SCHEMA_VERSION", "describe",
           "import_files", "record", "record_merge", "ward_record", "submission_record", "unit_key", "Record",
           "Recorded", "ImportResult", "history", "diff", "submissions_of", "latest_of", "series", "merge_history",
           "export", "export_frame", "Archived", "Change", "Diff", "known_figures", "accumulate",
           "cover", "Known"]
