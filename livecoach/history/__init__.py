"""The local SQLite history: store, recorder, summaries and HTML reports."""
