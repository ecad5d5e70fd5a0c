"""Body landmarks by name (BlazePose's 33-point topology), and the skeleton drawn over them.

Everything in LiveCoach refers to landmarks through :class:`Landmark`, never through bare
indices, so the feature code reads like anatomy and a different pose model only needs an
adapter that fills the same 33 slots.
"""
from __future__ import annotations

from enum import IntEnum


class Landmark(IntEnum):
    """The 33 BlazePose landmarks. ``LEFT``/``RIGHT`` are the person's own sides."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)

L = Landmark

#: Each side's hand as the pose model places it: the wrist, then the fingers it marks (the
#: person's own sides). Hidden hands are judged, blurred and hidden in tests by these.
HAND_LANDMARKS_BY_SIDE: dict[str, tuple[Landmark, ...]] = {
    side: tuple(L[f"{side.upper()}_{part}"] for part in ("WRIST", "PINKY", "INDEX", "THUMB"))
    for side in ("left", "right")
}

#: Bones drawn by the overlay: the body only (the face mesh points add clutter, not coaching).
SKELETON_EDGES: tuple[tuple[Landmark, Landmark], ...] = (
    (L.LEFT_EAR, L.LEFT_SHOULDER),
    (L.RIGHT_EAR, L.RIGHT_SHOULDER),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
)

#: Joints drawn as dots by the overlay.
SKELETON_JOINTS: tuple[Landmark, ...] = tuple(
    sorted({lm for edge in SKELETON_EDGES for lm in edge}, key=int)
)
