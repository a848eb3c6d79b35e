"""What every writer shares: atomic files and the build's timestamp."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Iterator, Optional

from .errors import Problem, SourceError, display


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside PATH; on success rename it into place, else remove it.

    A path the user cannot write to (a folder, a file where a folder should be) is a
    SourceError naming it, not a traceback.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder, not a file", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        raise SourceError([Problem(display(e.filename or path), "output", f"cannot write: {e.strerror or e}")]) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic(path) as tmp:
        tmp.write_bytes(data)


def build_time(document_date: Optional[str]) -> Optional[dt.datetime]:
    """When the outputs say they were made: SOURCE_DATE_EPOCH if set, else the document's date
    (YYYY-MM-DD) at midnight UTC, else None. Never the clock, so the same sources give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise SourceError([Problem("SOURCE_DATE_EPOCH", "", f"must be whole seconds since 1970, got {epoch!r}")])
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    try:
        return dt.datetime.fromisoformat(document_date).replace(tzinfo=dt.timezone.utc) if document_date else None
    except ValueError:
        return None
