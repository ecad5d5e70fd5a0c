"""The `livecoach` command line: every sub-command, and `doctor`."""
