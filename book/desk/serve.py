"""Starting the desk: the bind check, then uvicorn."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from ..build import Job
from ..errors import Problem, SourceError
from .app import LOOPBACK_HOSTS, Settings, create_app
from .service import Compiler, loopback

log = logging.getLogger("book.desk")
MIN_PASSWORD = 8


def check_bind(host: str, allow_remote: bool, password: Optional[str]) -> None:
    """Loopback needs nothing; any other address needs --allow-remote and a DESK_PASSWORD."""
    if loopback(host):
        return
    if not allow_remote:
        raise SourceError([Problem("command line", "--host", f"{host!r} is reachable from other computers; "
                                   "add --allow-remote and set DESK_PASSWORD to allow that")])
    if not password:
        raise SourceError([Problem("command line", "DESK_PASSWORD",
                                   f"--allow-remote on {host!r} needs a password in the DESK_PASSWORD environment variable")])
    if len(password) < MIN_PASSWORD:
        raise SourceError([Problem("command line", "DESK_PASSWORD", f"must be at least {MIN_PASSWORD} characters")])


def check_port(host: str, port: int) -> None:
    """The address must be free: a second desk on the same port is a one-line error, not a traceback."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise SourceError([Problem("command line", "--port", f"cannot listen on {host} port {port}: "
                                       f"{e.strerror or e}; is the desk already running? Choose another --port")]) from None


def build_app(job: Job, host: str, data: Path, password: Optional[str] = None, workers: Optional[int] = None):
    compiler = Compiler(job, workers=workers)
    names = [*LOOPBACK_HOSTS, host.strip("[]")] if loopback(host) else ["*"]  # loopback: refuse other Host names
    settings = Settings(data=data, password=password, allowed_hosts=names)
    return create_app(compiler, settings)


def run(job: Job, host: str, port: int, data: Path, password: Optional[str] = None) -> None:
    import uvicorn

    check_port(host, port)
    app = build_app(job, host, data, password)
    shown = f"[{host}]" if ":" in host else host
    log.info("the desk is at http://%s:%d/ (Ctrl-C stops it)", shown, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
