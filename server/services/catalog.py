"""Importing BMKG's historical earthquake catalog (``shared/data/catalog``, SOURCES.md §2).

One import is one transaction. A file that cannot be read or lacks a required column raises
:class:`CatalogImportError` (one line) before anything is written; a malformed row is skipped
and reported with its line number, and the other rows still load. Rows already in the table
(same origin time, position and magnitude) are left alone, so importing twice adds nothing.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from sqlalchemy.orm import Session

from geo.catalog import REQUIRED_COLUMNS
from geo.catalog import RowError
from geo.catalog import parse_row
from server.queries import catalog as q


class CatalogImportError(RuntimeError):
    """The catalog file cannot be imported at all; the message is one line."""


@dataclass
class ImportReport:
    """What an import did; ``skipped`` holds ``(line number, reason)`` pairs."""

    path: Path
    read: int = 0
    inserted: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def valid(self) -> int:
        return self.read - len(self.skipped)

    @property
    def already_present(self) -> int:
        return self.valid - self.inserted

    def summary(self) -> str:
        return (
            f"imported {self.inserted} new events ({self.already_present} already present, "
            f"{len(self.skipped)} skipped) in {self.seconds:.1f} s"
        )


def _read_rows(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """Return ``(line number, row)`` pairs and the header; raise when the file is unusable."""
    if not path.exists():
        raise CatalogImportError(f"{path}: no such file")
    if not path.is_file():
        raise CatalogImportError(f"{path}: not a file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise CatalogImportError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"columns are: {', '.join(header) or '(none: empty file)'}"
                )
            # line_num after a row is the file line it ended on (quoted fields may span lines).
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise CatalogImportError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise CatalogImportError(f"{path}: not a readable CSV file: {exc}") from None
    except OSError as exc:
        raise CatalogImportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return rows, header


def import_catalog(
    session: Session,
    path: str | os.PathLike,
    *,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> ImportReport:
    """Import a catalog CSV into ``catalog_events`` in one transaction; see the module doc."""
    started = time.perf_counter()
    report = ImportReport(Path(path))
    rows, _ = _read_rows(report.path)
    records = []
    for lineno, row in progress(rows):
        report.read += 1
        try:
            records.append(parse_row(row))
        except RowError as exc:
            report.skipped.append((lineno, str(exc)))
    try:
        report.inserted = q.insert_events(session, records) if records else 0
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.seconds = time.perf_counter() - started
    return report


def catalog_stats(session: Session) -> q.CatalogStats:
    """Count the catalog events, their time range, and events at or above M5, M6 and M7."""
    return q.stats(session, thresholds=(5.0, 6.0, 7.0))


def clear(session: Session) -> None:
    """Empty the catalog table (benchmarks only)."""
    q.clear(session)
    session.commit()
