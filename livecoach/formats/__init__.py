"""What crosses the process boundary: --events JSON Lines, landmark recordings, exports."""
