"""What an estimator that wraps another says about the asynchrony of the one it wraps."""
from __future__ import annotations

from typing import Any

__all__ = ["ForwardsAsynchrony"]


class ForwardsAsynchrony:
    """Mixin for an estimator wrapping ``self._estimator``: it takes frames ahead of their poses
    exactly when the wrapped one does (:meth:`submit`, :meth:`collect` of
    :class:`~livecoach.session.ports.AsynchronousPoseEstimator`)."""

    _estimator: Any

    @property
    def asynchronous(self) -> bool:
        """Whether the wrapped model takes frames ahead of their poses (``submit``, ``collect``)."""
        return bool(getattr(self._estimator, "asynchronous", False))

    @property
    def in_flight(self) -> int:
        """How many frames the wrapped model takes ahead of their poses (1 when synchronous)."""
        return int(getattr(self._estimator, "in_flight", 1))
