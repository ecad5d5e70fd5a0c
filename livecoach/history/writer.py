"""The history's writer thread: the only thread that touches the database while a session runs.

The recorder (on the frame loop's thread) hands it items through a bounded queue with
``put_nowait`` and never waits on it; everything it hands over is already in the session's
journal (:mod:`livecoach.history.journal`). The writer:

* opens the database (moving a damaged file aside, :func:`~livecoach.history.recovery.open_store`)
  and imports the journals earlier sessions left behind;
* applies each item in its own transaction; on ``database is locked``/``busy`` it rolls back
  and retries with back-off for as long as the session runs (the user is told once when a
  lock lasts longer than ``lock_notice_s``);
* on a failure that retrying cannot fix (disk full, I/O error, damaged file, newer schema)
  it stops using the database, tells the user once, and the session goes on in the journal,
  to be imported on the next start;
* encodes each rep's bottom picture (JPEG) and appends it to the journal, then ``fsync`` s
  the journal: one fsync per rep.

An unexpected exception (a bug) ends the thread; the recorder re-raises it on the caller's
side at ``check()``/``close()``.
"""
from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from livecoach.history import journal as jr
from livecoach.history.data import SessionMeta, StoredHold, StoredSet
from livecoach.history.recovery import import_journal_records, import_pending, is_damage, open_store
from livecoach.history.schema import StoreError
from livecoach.history.store import SessionStore
from livecoach.landmarks import Landmark
from livecoach.types import Cue, PoseFrame, RepRecord, SessionEnd

log = logging.getLogger("livecoach.history")


class StoreOutcome(str, Enum):
    """Where a recorded session ended up."""

    PENDING = "pending"      # the writer has not finished yet
    DATABASE = "database"    # every rep, cue and the end are in the database
    JOURNAL = "journal"      # kept in the journal; imported into the database on the next start
    NOWHERE = "nowhere"      # neither the database nor the journal could keep all of it


# --------------------------------------------------------------------------- items

@dataclass
class BeginItem:
    meta: SessionMeta
    save_frames: str
    pid: int
    host: str


@dataclass
class RepItem:
    seq: int
    record: RepRecord
    bottom_t_s: Optional[float]
    picture: Optional[np.ndarray] = None      # downscaled frame, no skeleton yet
    pose: Optional[PoseFrame] = None
    joints: Sequence[Landmark] = ()
    jpeg: Optional[bytes] = field(default=None, repr=False)


@dataclass
class CueItem:
    cue: Cue


@dataclass
class SetItem:
    stored: StoredSet


@dataclass
class HoldItem:
    stored: StoredHold


@dataclass
class SeriesItem:
    chunk: int
    rows: np.ndarray


@dataclass
class EndItem:
    end: SessionEnd
    ended_at: str


_STOP = object()

#: Called with a picture, a pose, the faulty joints -> JPEG bytes (cv2 lives in render/).
PictureEncoder = Callable[[np.ndarray, Optional[PoseFrame], Sequence[Landmark]], bytes]


def _is_lock(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class HistoryWriter:
    """Owns the database for one session (see the module doc). Not for direct use: the
    :class:`~livecoach.history.recorder.SessionRecorder` drives it."""

    def __init__(self, store: Union[str, Path, SessionStore], journal: jr.SessionJournal,
                 encode_picture: Optional[PictureEncoder], notice: Callable[[str], None], *,
                 queue_size: int = 512, busy_timeout_ms: int = 100, retry_initial_s: float = 0.02,
                 retry_max_s: float = 0.5, lock_notice_s: float = 10.0) -> None:
        self._given_store = store if isinstance(store, SessionStore) else None
        self.db_path = store.path if isinstance(store, SessionStore) else Path(store).expanduser()
        self.journal = journal
        self._encode = encode_picture
        self._notice = notice
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._retry_initial_s = float(retry_initial_s)
        self._retry_max_s = float(retry_max_s)
        self._lock_notice_s = float(lock_notice_s)
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=int(queue_size))
        self._abandon = threading.Event()
        self._idle = threading.Condition()
        self._pending = 0
        self.store: Optional[SessionStore] = None
        self.session_id: Optional[int] = None
        self.session_started = threading.Event()  # the session row exists, or the database failed
        self.db_failure: Optional[str] = None     # why the database was given up
        self.dropped = 0                          # items not queued (full): in the journal only
        self.lock_waits = 0
        self.ended_in_db = False
        self.error: Optional[BaseException] = None
        self._lock_noticed = False
        self._thread = threading.Thread(target=self._run, name="livecoach-history", daemon=True)

    # -- caller side
    def start(self) -> None:
        self._thread.start()

    def submit(self, item: Any) -> bool:
        """Queue ``item`` without waiting; False when the queue is full (the item is in the
        journal and reaches the database by the import at the end or on the next start)."""
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait(item)
            return True
        except queue.Full:
            with self._idle:
                self._pending -= 1
            self.dropped += 1
            return False

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued item has been handled (for tests and the end of a session)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending > 0 and self._thread.is_alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.05))
        return self._pending == 0

    def stop(self, timeout: float) -> bool:
        """Finish the queue and end the thread; a lock still held after ``timeout`` is given
        up (the rest goes to the journal only). True when the thread ended."""
        if not self._thread.is_alive():
            return True
        deadline = time.monotonic() + timeout
        while self._thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=0.05)
                break
            except queue.Full:
                if time.monotonic() > deadline:
                    self._abandon.set()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            self._abandon.set()
            self._thread.join(5.0)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the thread
    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    self._finish()
                    return
                try:
                    self._handle(item)
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()
        except BaseException as exc:  # noqa: BLE001 - a bug: re-raised on the caller's side
            self.error = exc
            log.debug("history writer failed", exc_info=True)
            self.session_started.set()
            with self._idle:
                self._idle.notify_all()

    def _handle(self, item: Any) -> None:
        if isinstance(item, BeginItem):
            self._begin(item)
            return
        if isinstance(item, RepItem) and item.picture is not None and self._encode is not None:
            item.jpeg = self._encode(item.picture, item.pose, item.joints)
            item.picture = None
        stored = False
        if self.store is not None and self.session_id is not None:
            stored = self._with_retry(lambda: self._apply(item)) is not None
        if isinstance(item, RepItem):
            if not stored and item.jpeg is not None:
                # The database did not take it: keep the picture with the rep, room permitting.
                self.journal.append_optional(jr.picture_line(item.seq, item.jpeg))
            self.journal.sync()  # fsync per rep

    def _begin(self, item: BeginItem) -> None:
        try:
            self._with_retry(self._open)
            if self.store is not None:
                self.session_id = self._with_retry(
                    lambda: self.store.begin_session(item.meta, item.save_frames, pid=item.pid, host=item.host))
                if self.session_id is not None:  # lets an import find this row
                    self.journal.append({"k": "db", "session_id": self.session_id})
        finally:
            self.session_started.set()

    def _open(self) -> None:
        if self.store is None:
            if self._given_store is not None:
                self.store = self._given_store
            else:
                try:
                    self.store = open_store(self.db_path, self._notice, timeout=self._busy_timeout_ms / 1000)
                except StoreError as exc:
                    if "locked" in str(exc).lower():
                        raise sqlite3.OperationalError("database is locked") from None
                    raise
            self.store.connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        import_pending(self.store, self._notice, skip=[self.journal.path])

    def _apply(self, item: Any) -> bool:
        store, sid = self.store, self.session_id
        assert store is not None and sid is not None
        try:
            if isinstance(item, RepItem):
                store.add_rep(sid, item.seq, item.record, item.bottom_t_s, item.jpeg)
            elif isinstance(item, CueItem):
                store.add_cue(sid, item.cue)
            elif isinstance(item, SetItem):
                store.add_set(sid, item.stored)
            elif isinstance(item, HoldItem):
                store.add_hold(sid, item.stored)
            elif isinstance(item, SeriesItem):
                store.add_series_chunk(sid, item.chunk, item.rows)
            elif isinstance(item, EndItem):
                store.commit()
                store.end_session(sid, item.end, ended_at=item.ended_at)
                self.ended_in_db = True
                return True
            store.commit()
            return True
        except BaseException:
            try:
                store.connection.rollback()
            except sqlite3.Error:
                pass
            raise

    def _with_retry(self, action: Callable[[], Any]) -> Any:
        """Run ``action``; retry a lock with back-off; give the database up on other SQLite
        errors (and on a lock once the recorder stops waiting). Returns None when given up."""
        if self.db_failure is not None:
            return None
        if self.journal.disk_full:
            # The database grows much faster than the journal (pictures, the WAL): were it written
            # on, it would take the room the journal's ballast just freed for the reps.
            self._give_up("the disk is full")
            return None
        delay = self._retry_initial_s
        first_lock: Optional[float] = None
        while True:
            try:
                return action()
            except sqlite3.Error as exc:
                if _is_lock(exc) and not self._abandon.is_set():
                    self.lock_waits += 1
                    now = time.monotonic()
                    first_lock = first_lock if first_lock is not None else now
                    if not self._lock_noticed and now - first_lock >= self._lock_notice_s:
                        self._lock_noticed = True
                        self._notice(f"the history database {self.db_path} is locked by another program (another "
                                     f"LiveCoach running?); your reps are kept in {self.journal.path.name} "
                                     f"meanwhile and stored when it is free")
                    time.sleep(delay)
                    delay = min(self._retry_max_s, delay * 2)
                    continue
                if _is_lock(exc):
                    self._give_up("it stayed locked by another program until the session ended")
                elif is_damage(exc):
                    self._give_up(f"it is damaged ({exc}); it will be moved aside on the next start")
                else:
                    self._give_up(str(exc))
                return None
            except StoreError as exc:
                self._give_up(str(exc))
                return None

    def _give_up(self, why: str) -> None:
        if self.db_failure is not None:
            return
        self.db_failure = why
        where = (f"this session is kept in {self.journal.path} and will be added to the history the next time "
                 f"LiveCoach starts" if self.journal.usable else
                 f"and the session journal could not be written either ({self.journal.error}): this session "
                 f"is not being stored")
        self._notice(f"cannot write to the history database {self.db_path}: {why}; {where}")

    def _finish(self) -> None:
        """The queue is done: fill in what was dropped from the journal, if the database works."""
        if self.store is None or self.session_id is None or self.db_failure is not None:
            return
        if self.dropped and self.journal.usable:
            self.journal.sync()
            records = jr.read_journal(self.journal.path)
            result = self._with_retry(lambda: import_journal_records(self.store, records))
            if result is not None:
                self.dropped = 0
                self.ended_in_db = any(r.get("k") == "end" for r in records)

    # -- outcome
    def database_complete(self) -> bool:
        return (self.store is not None and self.session_id is not None and self.db_failure is None
                and self.dropped == 0 and self.error is None)


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


__all__ = ["BeginItem", "CueItem", "EndItem", "HistoryWriter", "HoldItem", "RepItem", "SeriesItem", "SetItem", "StoreOutcome",
           "now_iso"]
