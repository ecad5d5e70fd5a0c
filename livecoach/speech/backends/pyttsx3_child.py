"""The pyttsx3 child process's entry point: the only module that imports ``pyttsx3``.

It runs in a separate Python process started by
:class:`livecoach.speech.backends.pyttsx3_backend.Pyttsx3Backend` (see there for why) and
never in the app's own process.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

from livecoach.speech.backends.base import one_line


RENDER_ATTEMPTS = 3


def _warm_up(engine) -> None:
    """Render one word to a scratch file and throw it away (errors are the first cue's to report)."""
    folder = tempfile.mkdtemp(prefix="livecoach-tts-warm-")
    path = os.path.join(folder, "warm.wav")
    try:
        engine.save_to_file("ready", path)
        engine.runAndWait()
    except Exception:  # noqa: BLE001 - only a warm-up
        pass
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
        os.rmdir(folder)


def pyttsx3_child_main() -> None:  # pragma: no cover - runs in the child process
    """The pyttsx3 child: JSON requests on stdin, one JSON reply per request on stdout.

    pyttsx3's own prints (``Audio saved to ...``) are sent to /dev/null so they never mix
    with the replies. With ``--warm-up`` (render mode) the engine renders a word before it says
    hello: a fresh espeak engine often writes no audio for its first long phrase.
    """
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    def reply(**obj) -> None:
        replies.write(json.dumps(obj) + "\n")
        replies.flush()

    try:
        import pyttsx3

        engine = pyttsx3.init()
    except Exception as exc:  # noqa: BLE001 - report any init failure as one line
        reply(ok=False, error=f"{type(exc).__name__}: {one_line(str(exc)) or 'init failed'}")
        return
    driver = type(getattr(engine.proxy, "_driver", engine)).__module__.rsplit(".", 1)[-1]
    if "--warm-up" in sys.argv[1:]:
        _warm_up(engine)
    reply(ok=True, driver=driver)
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "voices":
                voices = [{"id": str(v.id), "name": str(v.name),
                           "languages": ",".join(str(x) for x in (v.languages or [])),
                           "gender": str(v.gender or "")} for v in engine.getProperty("voices")]
                reply(ok=True, voices=voices)
                continue
            if "rate" in req:
                engine.setProperty("rate", int(req["rate"]))
            if "volume" in req:
                engine.setProperty("volume", float(req["volume"]))
            if req.get("voice"):
                engine.setProperty("voice", req["voice"])
            if op == "setup":
                reply(ok=True)
            elif op == "render":
                # pyttsx3's espeak driver now and then writes a wav with a header and no
                # samples (audio that arrives in the same callback as the end-of-message
                # event is dropped), or no file at all; another render gets the audio.
                for _attempt in range(RENDER_ATTEMPTS):
                    engine.save_to_file(req["text"], req["path"])
                    engine.runAndWait()
                    ok = os.path.exists(req["path"]) and os.path.getsize(req["path"]) > 44
                    if ok:
                        break
                reply(ok=ok, error="" if ok else "pyttsx3 wrote no audio")
            elif op == "speak":
                engine.say(req["text"])
                engine.runAndWait()
                reply(ok=True)
            else:
                reply(ok=False, error=f"unknown op {op!r}")
        except Exception as exc:  # noqa: BLE001
            reply(ok=False, error=f"{type(exc).__name__}: {one_line(str(exc))}")
