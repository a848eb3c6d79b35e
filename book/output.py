"""What every writer shares: atomic files and the build's timestamp."""
from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
from pathlib import Path
from typing import Iterator, Optional

from .errors import Problem, SourceError, display, echo

MAX_EPOCH = 253402300799  # 9999-12-31 23:59:59 UTC


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
        remove_stale_temporaries(path)
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        raise SourceError([Problem(display(e.filename or path), "output", f"cannot write: {e.strerror or e}")]) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one we may not signal counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files a killed writer of PATH left beside it."""
    with contextlib.suppress(OSError):
        for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            pid = tmp.name[len(path.name) + 2:-4]
            if pid.isdigit() and not process_alive(int(pid)):
                tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic(path) as tmp:
        tmp.write_bytes(data)


def build_time(document_date: Optional[str]) -> Optional[dt.datetime]:
    """When the outputs say they were made: SOURCE_DATE_EPOCH if set, else the document's date
    (YYYY-MM-DD) at midnight UTC, else None. Never the clock, so the same sources give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            if not re.fullmatch(r"[0-9]{1,12}", epoch):
                raise ValueError
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise SourceError([Problem("SOURCE_DATE_EPOCH", "", "must be whole seconds since 1970, before the year "
                                       f"10000 (at most {MAX_EPOCH}), got {echo(epoch)}")]) from None
    try:
        return dt.datetime.fromisoformat(document_date).replace(tzinfo=dt.timezone.utc) if document_date else None
    except ValueError:
        return None
