"""A durable local spool: JSON records in append-only, fsynced segment files, replayed later.

Used when a store is unreachable: a record appended here survives a crash or `kill -9`
and is handed back by `drain()` once the store is back. Several processes (gunicorn
workers) may share one directory: each appends to its own segment and holds an exclusive
`flock` on it while it is open, so a segment is replayed only when its writer has
closed it or died (the kernel drops the lock of a dead process). The spool is bounded:
when `max_bytes` would be exceeded, `append` refuses and says so once in the log.

Delivery through `drain` is at least once (a crash between delivering and deleting a
segment replays it); callers make it exactly once with idempotent keys.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

_log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024
DEFAULT_DRAIN_BATCH = 1000
_PREFIX = "seg-"
_SUFFIX = ".jsonl"


class SpoolFull(Exception):
    """The spool is at its size bound; the records were not written."""


@dataclass(frozen=True)
class SpoolDepth:
    records: int
    bytes: int
    segments: int


class Spool:
    """One directory of segments; thread-safe within a process, lock-safe across processes."""

    def __init__(self, directory: str | Path, max_bytes: int = DEFAULT_MAX_BYTES,
                 segment_bytes: int = DEFAULT_SEGMENT_BYTES):
        if max_bytes <= 0 or segment_bytes <= 0:
            raise ValueError("max_bytes and segment_bytes must be positive")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        self._pid = os.getpid()
        self._full = False
        # name -> (size, records): line counts of segments already counted, so depth() reads
        # a segment again only when it grew.
        self._counted: dict[str, tuple[int, int]] = {}

    # -- writing -------------------------------------------------------------------------

    def append(self, records: Sequence[dict[str, Any]]) -> int:
        """Writes the records durably (fsync) before returning; raises SpoolFull at the bound."""
        if not records:
            return 0
        data = b"".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
                        for r in records)
        with self._lock:
            self._after_fork()
            if self._total_bytes() + len(data) > self.max_bytes:
                if not self._full:
                    self._full = True
                    _log.warning("spool %s is full (%d bytes, bound %d): records are being dropped until "
                                 "the store is reachable again", self.directory, self._total_bytes(), self.max_bytes)
                raise SpoolFull(f"spool {self.directory} is at its bound of {self.max_bytes} bytes")
            if self._full:
                self._full = False
                _log.info("spool %s has room again", self.directory)
            if self._fd is None or self._size + len(data) > self.segment_bytes and self._size > 0:
                self._open_segment()
            assert self._fd is not None
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
            self._size += len(data)
            return len(records)

    def rotate(self) -> None:
        """Closes the segment being written, so `drain` (here or in another process) may take it."""
        with self._lock:
            self._close_segment()

    def close(self) -> None:
        self.rotate()

    @property
    def is_full(self) -> bool:
        return self._full

    def _after_fork(self) -> None:
        # A forked child must not append to (or unlock) its parent's segment.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._fd = None
            self._path = None
            self._size = 0

    def _open_segment(self) -> None:
        self._close_segment()
        self.directory.mkdir(parents=True, exist_ok=True)
        # Names sort by creation time, so drain() replays oldest first.
        name = f"{_PREFIX}{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}{_SUFFIX}"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
        # Held while the segment is open: tells drain() in any process to leave it alone.
        fcntl.flock(fd, fcntl.LOCK_EX)
        _fsync_dir(self.directory)
        self._fd, self._path, self._size = fd, path, 0

    def _close_segment(self) -> None:
        if self._fd is None:
            return
        fd, path, size = self._fd, self._path, self._size
        self._fd, self._path, self._size = None, None, 0
        os.close(fd)  # releases the flock
        if size == 0 and path is not None:
            path.unlink(missing_ok=True)

    def _total_bytes(self) -> int:
        return sum(size for _name, size in self._segments())

    def _segments(self) -> list[tuple[str, int]]:
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return []
        result = []
        for entry in entries:
            if entry.name.startswith(_PREFIX) and entry.name.endswith(_SUFFIX):
                try:
                    result.append((entry.name, entry.stat().st_size))
                except FileNotFoundError:
                    continue
        return sorted(result)

    # -- reading -------------------------------------------------------------------------

    def depth(self) -> SpoolDepth:
        """Records, bytes and segments waiting in the directory (every process's)."""
        segments = self._segments()
        counted: dict[str, tuple[int, int]] = {}
        records = 0
        for name, size in segments:
            known = self._counted.get(name)
            if known is None or known[0] != size:
                # Segments only grow: count the newlines of the new bytes, not the whole file again.
                start, lines = known if known is not None and known[0] < size else (0, 0)
                try:
                    with open(self.directory / name, "rb") as f:
                        f.seek(start)
                        known = (size, lines + f.read(size - start).count(b"\n"))
                except FileNotFoundError:
                    continue
            counted[name] = known
            records += known[1]
        self._counted = counted
        return SpoolDepth(records=records, bytes=sum(s for _n, s in segments), segments=len(segments))

    def drain(self, deliver: Callable[[list[dict[str, Any]]], Any],
              batch_size: int = DEFAULT_DRAIN_BATCH) -> int:
        """Hands every closed segment's records to `deliver`, oldest first, then deletes the segment.

        Stops at the first exception from `deliver` and raises it; the segment stays and is
        replayed whole next time (so `deliver` must be idempotent). Returns the records delivered.
        """
        with self._lock:
            self._after_fork()
            own = self._path.name if self._path else None
        delivered = 0
        for name, _size in self._segments():
            if name == own:
                continue
            delivered += self._drain_segment(self.directory / name, deliver, batch_size)
        return delivered

    def _drain_segment(self, path: Path, deliver: Callable[[list[dict[str, Any]]], Any], batch_size: int) -> int:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # a live writer's open segment, or another process is draining it
            try:
                if os.stat(path).st_ino != os.fstat(fd).st_ino:
                    return 0
            except FileNotFoundError:
                return 0  # drained and deleted by another process between listing and locking
            with os.fdopen(os.dup(fd), "rb") as f:
                data = f.read()
            records, bad = _parse(data)
            if bad:
                # A line cut short by a crash mid-write (its records were never acknowledged).
                _log.warning("spool segment %s: skipped %d unreadable line(s)", path.name, bad)
            for start in range(0, len(records), batch_size):
                deliver(records[start:start + batch_size])
            path.unlink()
            _fsync_dir(self.directory)
            self._counted.pop(path.name, None)
            return len(records)
        finally:
            os.close(fd)


def _parse(data: bytes) -> tuple[list[dict[str, Any]], int]:
    records: list[dict[str, Any]] = []
    bad = 0
    lines = data.split(b"\n")
    # The piece after the last newline is either empty or a torn write.
    if lines and lines[-1]:
        bad += 1
    for line in lines[:-1]:
        if not line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            bad += 1
    return records, bad


def _fsync_dir(directory: Path) -> None:
    """Makes a created or deleted directory entry durable, not just the file's contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def iter_records(directory: str | Path) -> Iterable[dict[str, Any]]:
    """Every readable record in a spool directory, without taking or deleting anything (for tools)."""
    for path in sorted(Path(directory).glob(f"{_PREFIX}*{_SUFFIX}")):
        try:
            records, _bad = _parse(path.read_bytes())
        except FileNotFoundError:
            continue
        yield from records
