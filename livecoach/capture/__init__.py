"""Frames in, poses out. [cv2, mediapipe]

``base`` (the FrameSource contract, errors, worker states) · one backend per module:
``camera``, ``video_file`` (every frame), ``paced_video`` (a file played like a camera) ·
``factory`` (a source from plain options) · ``thread`` (the capture thread) · ``pose`` (the
MediaPipe adapter) · ``parallel`` (pose extraction of a video on every core) · ``native``
(keeping native libraries' logs off the terminal).
``sources`` is the old single-module import path, kept while callers move.
"""
