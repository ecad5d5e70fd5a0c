"""Developer tools (not installed with the package): benchmarks and threshold checks."""
