"""Benchmark of the portal at regional scale (``python -m bench``); not part of the test suite."""
