"""`livecoach doctor`'s history row: a damaged, foreign or newer database is a FAIL (exit 1)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from livecoach.cli import doctor
from livecoach.config.schema import load_config
from livecoach.history.store import SCHEMA_VERSION, SessionStore, db_path_for


def make_history(data_dir: Path, rows: int = 400) -> Path:
    path = db_path_for(data_dir)
    with SessionStore(path) as store:
        store.connection.execute("CREATE TABLE padding(x BLOB)")
        store.connection.executemany("INSERT INTO padding VALUES (?)", [(b"x" * 500,)] * rows)
        store.commit()
    return path


def test_a_healthy_or_missing_history_is_ok(tmp_path: Path) -> None:
    assert doctor._data_dir(tmp_path / "new").status == doctor.OK
    make_history(tmp_path)
    assert doctor._data_dir(tmp_path).status == doctor.OK


def test_a_damaged_history_is_a_failure_with_the_fix(tmp_path: Path) -> None:
    path = make_history(tmp_path)
    sqlite3.connect(str(path)).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 32 * 1024] = b"\xa5" * min(32 * 1024, len(data) - middle)
    path.write_bytes(bytes(data))
    result = doctor._data_dir(tmp_path)
    assert result.status == doctor.FAIL and result.essential
    assert "--no-history" in result.fix and str(path) in result.detail


def test_a_newer_history_is_a_failure(tmp_path: Path) -> None:
    path = make_history(tmp_path, rows=1)
    with sqlite3.connect(str(path)) as db:
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    result = doctor._data_dir(tmp_path)
    assert result.status == doctor.FAIL and "newer LiveCoach" in result.detail


def test_a_foreign_database_is_a_failure(tmp_path: Path) -> None:
    path = db_path_for(tmp_path)
    with sqlite3.connect(str(path)) as db:
        db.execute("CREATE TABLE songs(title TEXT)")
    result = doctor._data_dir(tmp_path)
    assert result.status == doctor.FAIL and "not a LiveCoach history" in result.detail


def test_the_speech_row_is_the_speech_probe_line_split_into_problem_and_fix(monkeypatch) -> None:
    line = ("cues will be shown, not spoken: pyttsx3 and espeak-ng: no audio output"
            " — sudo apt install alsa-utils")
    monkeypatch.setattr(doctor, "probe_speech", lambda config: (False, line))
    result = doctor._speech(load_config())
    assert result.status == doctor.WARN and not result.essential
    assert result.detail == "cues will be shown, not spoken: pyttsx3 and espeak-ng: no audio output"
    assert result.fix == "sudo apt install alsa-utils"
    monkeypatch.setattr(doctor, "probe_speech", lambda config: (True, "cues will be spoken with espeak-ng"))
    assert doctor._speech(load_config()).status == doctor.OK
