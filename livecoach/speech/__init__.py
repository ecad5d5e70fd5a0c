"""Spoken cues: the speech thread and its backends (pyttsx3 runs in a child process)."""
