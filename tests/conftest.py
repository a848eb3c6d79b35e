import logging
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT))


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_weasyprint_warnings():
    """Any WeasyPrint warning (bad CSS, missing image, unsupported SVG...) fails the test."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    assert not messages, f"WeasyPrint warned: {messages[:5]}"


@pytest.fixture
def tiny(tmp_path):
    """A copy of the two-spot fixture book, free to break."""
    dest = tmp_path / "chapters"
    shutil.copytree(FIXTURES / "tiny", dest)
    return dest


def cli(*args):
    """Run make_book.py's main() in-process; returns its exit status."""
    import make_book

    try:
        return make_book.main([str(a) for a in args])
    except SystemExit as e:  # argparse usage errors
        return e.code
