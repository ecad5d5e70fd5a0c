"""Wav helpers: a short silence (the sound-device probe), the format of a streamed wav, a
file's length."""
from __future__ import annotations

import io
import struct
import wave
from pathlib import Path
from typing import Tuple

from livecoach.speech.backends.base import BackendFailed


def silent_wav_bytes(seconds: float = 0.05, rate: int = 22050) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(rate * seconds))
    return buf.getvalue()


def parse_wav_stream_header(head: bytes) -> Tuple[int, int, int]:
    """(sample rate, channels, bytes per sample) from the start of a wav stream.

    espeak-ng's ``--stdout`` header carries placeholder sizes, so :mod:`wave` cannot read
    the stream; the format chunk is all we need to pace it.
    """
    if len(head) < 36 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise BackendFailed("audio stream is not a wav stream")
    channels, rate = struct.unpack("<HI", head[22:28])
    bits = struct.unpack("<H", head[34:36])[0]
    return int(rate), max(1, int(channels)), max(1, int(bits) // 8)


def wav_duration_s(path: Path) -> float:
    """Length of a wav file from its header (frames / rate)."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())
