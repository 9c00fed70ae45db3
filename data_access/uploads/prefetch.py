"""`python -m data_access import` reads its spreadsheet in a child process while it loads the database.

Starting the command costs about a second of loading SQLAlchemy, SQLModel and the models; measuring and
reading a 100,000-row .xlsx costs about as much again, and neither needs the other. `start(path)` forks a
child before the heavy imports (this module and the reader import neither); the child measures and reads
the file exactly as `read.read_workbook` does in the importing process and sends the sheets (or the
refusal) back through a pipe. `take` hands them to `imports._read` only for the same bytes, file name and
bounds; on any other call, or when the child failed, the importing process reads the file itself, as it
always did. Where there is no `fork` (Windows) nothing changes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import select
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from data_access.uploads.limits import Limits
    from data_access.uploads.read import Sheet

_pending: tuple[int, int] | None = None  # (child pid, read end of its pipe)
WAIT_SECONDS = 300  # far beyond reading the largest upload; then the importing process reads it itself


def start(path: str) -> None:
    """Fork a child reading `path` with the configured upload bounds; at most one at a time."""
    global _pending
    if _pending is not None or not hasattr(os, "fork"):
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        _pending = (pid, read_end)
        return
    try:  # the child: whatever happens, it leaves without running the parent's cleanup
        os.close(read_end)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(_read(path), protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(0)


def _read(path: str) -> tuple[Any, ...]:
    """(sha256 of the bytes, file name, limits, "sheets" or "rejected", the sheets or the refusal)."""
    from data_access.settings import SETTINGS
    from data_access.uploads.limits import MAX_FILE_BYTES, FileRejected, upload_limits
    from data_access.uploads.read import read_workbook

    data = Path(path).read_bytes()
    if len(data) > MAX_FILE_BYTES:
        return ()  # refused by its size before it is read: the importing process says so
    name, limits = Path(path).name, upload_limits(SETTINGS)
    key = (hashlib.sha256(data).hexdigest(), name, limits)
    try:
        return (*key, "sheets", read_workbook(data, name, max_rows=limits.max_rows, limits=limits))
    except FileRejected as exc:
        return (*key, "rejected", (exc.code, exc.message))


def take(sha256: str, file_name: str, limits: Limits) -> list[Sheet] | None:
    """The child's sheets if it read bytes of this SHA-256 under this name with these bounds (raising its
    FileRejected if it refused them); None if there is no child or it read something else or failed: then the
    caller reads."""
    global _pending
    if _pending is None:
        return None
    pid, read_end = _pending
    _pending = None
    if not select.select([read_end], [], [], WAIT_SECONDS)[0]:  # a child stuck for a reason of its own
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    try:
        got: tuple[Any, ...] = pickle.loads(payload) if payload else ()
    except Exception:  # a child killed halfway: read here
        return None
    if len(got) != 5 or got[:3] != (sha256, file_name, limits):
        return None
    if got[3] == "rejected":
        from data_access.uploads.limits import FileRejected

        raise FileRejected(*got[4])
    sheets: list[Sheet] = got[4]
    return sheets
