"""`python -m data_access import` reads its spreadsheet in child processes while it loads the database.

Starting the command costs about a second of loading SQLAlchemy, SQLModel and the models. Measuring a
100,000-row .xlsx against the upload bounds costs about half a second, and reading it with calamine as much
again. None of the three needs another's result, so `start(path)` forks two children before the heavy
imports (this module and the reader import neither):
- the measurer runs `read.measure`, the check that keeps a file beyond the bounds from being read, and
  sends its verdict;
- the reader runs `read.read_measured` at the same time, under an address-space cap (RLIMIT_AS) that an
  admitted file stays far below: a bomb it opens before the verdict is in kills only the reader. (Where
  the cap cannot be set, the reader measures the file first itself.)

`take` waits for the verdict. A refusal is raised and the reader killed; an admission hands over the
reader's sheets. Both are used only for the same bytes, file name and bounds. On any other call, or when a
child failed (the reader hit its cap or died, a pipe broke), the importing process reads the file itself,
measuring first, as it always did. Where there is no `fork` (Windows) nothing changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
import pickle
import resource
import select
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from data_access.uploads.limits import Limits
    from data_access.uploads.read import Sheet

_pending: tuple[tuple[int, int], tuple[int, int]] | None = None  # (pid, read end of its pipe): measurer, reader
WAIT_SECONDS = 300  # far beyond measuring or reading the largest upload; then the importing process reads it
# The reader's address space beyond what it has when forked. An admitted file (Limits: 1,000,000 cells, 10
# characters each on average) needs a few hundred MB of it; a bomb is stopped here before it hurts the machine.
READER_HEADROOM = 1 << 30


def start(path: str) -> None:
    """Fork the measurer and the reader of `path`, with the configured upload bounds; one pair at a time."""
    global _pending
    if _pending is not None or not hasattr(os, "fork"):
        return
    measurer = _fork(lambda: _measure(path))
    _pending = (measurer, _fork(lambda: _read(path)))


def _fork(work: Callable[[], tuple[Any, ...]]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    _child(read_end, write_end, work)


def _child(read_end: int, write_end: int, work: Callable[[], tuple[Any, ...]]) -> NoReturn:
    """Whatever happens (an answer, an exception, no memory left), the child leaves without running the
    parent's cleanup; an empty pipe tells the parent it failed."""
    try:
        os.close(read_end)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(_encode(work()))
    finally:
        os._exit(0)


def _encode(value: tuple[Any, ...]) -> bytes:
    """marshal (five times faster than pickle for cells of text and numbers), pickle for dates and times."""
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:
        return b"p" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(payload: bytes) -> tuple[Any, ...]:
    try:
        got = marshal.loads(payload[1:]) if payload[:1] == b"m" else pickle.loads(payload[1:])
    except Exception:  # a child killed halfway
        return ()
    return got if isinstance(got, tuple) else ()


def _inputs(path: str) -> tuple[bytes, str, Limits, tuple[Any, ...]] | None:
    """The file's bytes, name and bounds, and the key `take` matches: None if its size refuses it unread."""
    from data_access.settings import SETTINGS
    from data_access.uploads.limits import MAX_FILE_BYTES, upload_limits

    data = Path(path).read_bytes()
    if len(data) > MAX_FILE_BYTES:
        return None  # the importing process says so
    name, limits = Path(path).name, upload_limits(SETTINGS)
    return data, name, limits, _key(hashlib.sha256(data).hexdigest(), name, limits)


def _key(sha256: str, file_name: str, limits: Limits) -> tuple[Any, ...]:
    return sha256, file_name, dataclasses.astuple(limits)


def _measure(path: str) -> tuple[Any, ...]:
    """(*key, "admitted", format) or (*key, "rejected", (code, message))."""
    from data_access.uploads.limits import FileRejected
    from data_access.uploads.read import measure

    inputs = _inputs(path)
    if inputs is None:
        return ()
    data, name, limits, key = inputs
    try:
        return (*key, "admitted", measure(data, name, limits))
    except FileRejected as exc:
        return (*key, "rejected", (exc.code, exc.message))


def _read(path: str) -> tuple[Any, ...]:
    """(*key, "sheets", [(name, rows)]) or (*key, "rejected", (code, message)); () when memory ran out. Where
    the address space cannot be capped, the reader measures the file before it reads it, as the command does."""
    capped = _cap_address_space()
    from data_access.uploads.limits import FileRejected
    from data_access.uploads.read import measure, read_measured, sniff

    inputs = _inputs(path)
    if inputs is None:
        return ()
    data, name, limits, key = inputs
    try:
        sheets = read_measured(data, name, sniff(data, name) if capped else measure(data, name, limits), limits)
    except FileRejected as exc:
        if isinstance(exc.__cause__, MemoryError):  # the cap, not the file: the importing process reads it
            return ()
        return (*key, "rejected", (exc.code, exc.message))
    return (*key, "sheets", [(s.name, s.rows) for s in sheets])


def _cap_address_space() -> bool:
    """Cap this process's address space at READER_HEADROOM beyond its present size; False where that cannot be
    done (no /proc/self/statm, as on macOS, whose kernel does not enforce RLIMIT_AS either)."""
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = now + READER_HEADROOM if soft == resource.RLIM_INFINITY else min(now + READER_HEADROOM, soft)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        return False
    return True


def _receive(pid: int, read_end: int) -> tuple[Any, ...]:
    """A child's answer, () if it failed or took longer than WAIT_SECONDS; the child is reaped."""
    if not select.select([read_end], [], [], WAIT_SECONDS)[0]:  # a child stuck for a reason of its own
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    return _decode(payload)


def _stop(pid: int, read_end: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.close(read_end)
    os.waitpid(pid, 0)


def take(sha256: str, file_name: str, limits: Limits) -> list[Sheet] | None:
    """The reader's sheets if the children worked on bytes of this SHA-256 under this name with these bounds
    and the measurer admitted them; the measurer's (or the reader's) refusal as FileRejected; None if there are
    no children, or they worked on something else, or one failed: then the caller reads."""
    global _pending
    if _pending is None:
        return None
    (measurer, measured), (reader, read) = _pending
    _pending = None
    key = _key(sha256, file_name, limits)
    verdict = _receive(measurer, measured)
    if len(verdict) != 5 or verdict[:3] != key or verdict[3] == "rejected":
        _stop(reader, read)
    else:
        got = _receive(reader, read)
        verdict = got if len(got) == 5 and got[:3] == key else ()
    if len(verdict) != 5 or verdict[:3] != key:
        return None
    from data_access.uploads.limits import FileRejected

    if verdict[3] == "rejected":
        raise FileRejected(*verdict[4])
    from data_access.uploads.read import Sheet

    return [Sheet(name, rows) for name, rows in verdict[4]]
