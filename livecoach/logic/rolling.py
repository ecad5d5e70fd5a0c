"""Statistics over a sliding time window that cost O(log n) per frame, not O(n).

:class:`SortedWindow` keeps the window's values in insertion order and sorted; its
:meth:`~SortedWindow.percentile`, :meth:`~SortedWindow.median` and
:func:`median_abs_deviation_sorted` give exactly (bit for bit) what ``np.percentile`` (linear
interpolation), ``np.median`` and ``np.median(np.abs(x - np.median(x)))`` give on the same
values, so replacing a per-frame numpy recomputation over the whole window changes no result.
"""
from __future__ import annotations

import bisect
import collections
import math
from typing import TYPE_CHECKING, Callable, Deque, List, Tuple, Union

if TYPE_CHECKING:  # annotations only: the counter's windows run on plain floats
    import numpy as np

__all__ = ["SortedWindow", "percentile_sorted", "median_sorted", "median_abs_deviation_sorted", "per_sample_noise"]


def percentile_sorted(values: List[float], q: float) -> float:
    """``np.percentile(values, q)`` (method "linear") of an ascending, non-empty list."""
    n = len(values)
    virtual = (n - 1) * (q / 100.0)
    if virtual >= n - 1:
        return values[-1]
    if virtual < 0:
        return values[0]
    i = math.floor(virtual)
    gamma = virtual - i
    a, b = values[i], values[i + 1]
    diff = b - a
    # numpy's _lerp: interpolate from the nearer end
    return b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma


def median_sorted(values: List[float]) -> float:
    """``np.median(values)`` of an ascending, non-empty list."""
    n = len(values)
    h = n // 2
    if n % 2:
        return values[h]
    return (values[h - 1] + values[h]) / 2.0


def _kth_of_two(a_len: int, a_at: Callable[[int], float], b_len: int, b_at: Callable[[int], float],
                k: int) -> float:
    """The ``k``-th smallest (0-based) of the union of two ascending sequences given by length
    and accessor (O(log n) accesses)."""
    take = k + 1  # how many of the smallest elements, in all
    lo, hi = max(0, take - b_len), min(a_len, take)
    # smallest i (taken from a) such that a's next element is not below b's last taken one
    while lo < hi:
        i = (lo + hi) // 2
        j = take - i
        if j > 0 and i < a_len and a_at(i) < b_at(j - 1):
            lo = i + 1
        else:
            hi = i
    i = lo
    j = take - i
    last_a = a_at(i - 1) if i > 0 else -math.inf
    last_b = b_at(j - 1) if j > 0 else -math.inf
    return last_a if last_a >= last_b else last_b


def per_sample_noise(second_difference_mad: Union[float, np.ndarray]) -> Union[float, np.ndarray]:
    """The per-sample noise sigma of a signal from the median absolute deviation of its second
    differences (``x[i+1] - 2 x[i] + x[i-1]``; a float or a numpy array of them): 1.4826 x MAD is
    a normal sigma robust to the signal's own moves, and the second difference of white noise
    has six times its variance. The rep counter reads its depth signals' noise so; the eval's
    60 fps camera adds landmark jitter of that size."""
    return 1.4826 * second_difference_mad / math.sqrt(6.0)


def median_abs_deviation_sorted(values: List[float]) -> float:
    """``np.median(np.abs(x - np.median(x)))`` of an ascending, non-empty list ``x``.

    The deviations below the median (read from the median downward) and above it (read upward)
    are two ascending sequences; their median is found by binary search."""
    m = median_sorted(values)
    split = bisect.bisect_left(values, m)  # values[:split] < m <= values[split:]
    below_len, above_len = split, len(values) - split

    def below(i: int) -> float:
        return abs(values[split - 1 - i] - m)

    def above(i: int) -> float:
        return abs(values[split + i] - m)

    n = len(values)
    h = n // 2
    if n % 2:
        return _kth_of_two(below_len, below, above_len, above, h)
    return (_kth_of_two(below_len, below, above_len, above, h - 1)
            + _kth_of_two(below_len, below, above_len, above, h)) / 2.0


class SortedWindow:
    """Values with timestamps over the last ``span_s`` seconds, also kept sorted.

    ``add(t_s, value)`` appends and drops what fell out of the window (``t_s - t_oldest >
    span_s``); ``drop_oldest()`` removes the oldest value.
    """

    def __init__(self, span_s: float) -> None:
        self.span_s = span_s
        self.items: Deque[Tuple[float, float]] = collections.deque()
        self.sorted: List[float] = []

    def __len__(self) -> int:
        return len(self.items)

    def clear(self) -> None:
        self.items.clear()
        self.sorted.clear()

    def add(self, t_s: float, value: float) -> List[float]:
        """Add a value; returns the values that left the window (oldest first)."""
        self.items.append((t_s, value))
        bisect.insort(self.sorted, value)
        gone = []
        while self.items and t_s - self.items[0][0] > self.span_s:
            gone.append(self.drop_oldest())
        return gone

    def drop_oldest(self) -> float:
        _, value = self.items.popleft()
        del self.sorted[bisect.bisect_left(self.sorted, value)]
        return value

    def percentile(self, q: float) -> float:
        return percentile_sorted(self.sorted, q)

    def median(self) -> float:
        return median_sorted(self.sorted)
