"""Coaching logic: features, view, reps, faults, verdict, cues, analysis.

Pure: numpy only (no cv2, mediapipe or pyttsx3), one frame at a time, on frame timestamps."""
