"""Spoken cues: the speech thread and its backends (pyttsx3 runs in a child process).

* :mod:`.worker` — :class:`~livecoach.speech.worker.SpeechWorker`, the thread that speaks cues
  without ever delaying a frame;
* :mod:`.chain` — which backends a session tries, in which order, and how each is made;
* :mod:`.backends` — one engine per module behind one contract (espeak-ng, pyttsx3, macOS say,
  text only) and the audio sinks;
* :mod:`.offline` — speech without a session: a phrase to a wav file, the voice list, and the
  probe ``doctor`` uses.
"""
