"""A video file played at wall-clock pace: it stands in for a webcam."""
from __future__ import annotations

import time
from typing import Optional

from livecoach.capture.video_file import VideoFileSource
from livecoach.types import Frame

__all__ = ["PacedVideoSource"]


class PacedVideoSource(VideoFileSource):
    """A video file handed out in real time; ``t_s = frame_index / fps`` as in every-frame mode.

    ``read()`` hands out each frame when it is due on the wall clock (clock started by the
    first ``read()``), and when the reader has fallen more than a frame behind it skips the
    frames already superseded (counted in ``frames_skipped``), so the video does not run
    slower than real time. Behind a :class:`~livecoach.capture.thread.CaptureThread` a slow
    consumer then loses frames exactly as with a camera. At the end it waits out the last
    frame's duration, so a paced clip lasts ``frames / fps`` seconds of wall time.

    A file that decodes slower than it plays (a large or losslessly compressed clip on a
    slow computer) cannot be kept in real time: skipping a frame costs as much as the frame
    it passes, so the reader would skip to the end of the file without handing out a frame
    (and the session ends with "stopped sending frames"). Once skipping one frame takes a
    frame's time, frames are handed out late instead, each as soon as it is decoded, as a
    slow camera would; skipping resumes once a decode takes less than a frame's time.
    """

    _clock0: Optional[float] = None
    _skipping_loses: bool = False  # a skipped frame took a frame's time: skipping cannot catch up

    @property
    def paced(self) -> bool:
        return True

    def _opened(self) -> None:
        self._clock0 = None
        self._skipping_loses = False

    def _due(self, index: int) -> float:
        assert self._clock0 is not None
        return self._clock0 + index / self._fps

    def _wait_until(self, moment: float) -> bool:
        """Sleep until ``moment`` (monotonic); False if interrupted first."""
        while True:
            remaining = moment - time.monotonic()
            if remaining <= 0:
                return True
            if self._wake.wait(remaining):
                return False

    def read(self) -> Optional[Frame]:
        cap = self._require_open()
        if self._first_image is not None:
            self._clock0 = time.monotonic()  # playback starts with frame 0, not with open()
            return self._take_first()
        index = self._next_index
        interval = 1.0 / self._fps
        # Frame `index` is stale once frame `index + 1` is due: skip (grab decodes but skips
        # the colour conversion) until the next one is the one to show.
        while not self._skipping_loses and time.monotonic() >= self._due(index + 1):
            if self._wake.is_set():
                self._next_index = index
                return self._stopped()
            self._hush.keep()
            started = time.monotonic()
            if not cap.grab():
                return self._end(index)
            self._skipping_loses = time.monotonic() - started >= interval
            index += 1
            self.frames_skipped += 1
        if not self._wait_until(self._due(index)):
            self._next_index = index
            return self._stopped()
        started = time.monotonic()
        frame = self._decode(index)
        if time.monotonic() - started < interval:  # a grab costs no more than a decode
            self._skipping_loses = False
        return frame

    def _end(self, index: int) -> None:
        """End of stream; a paced clip first plays out to its full duration."""
        super()._end(index)
        if self._clock0 is not None:
            self._wait_until(self._due(index))
        return None
