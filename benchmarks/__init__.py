"""Benchmarks: scripts that print figures side by side (run as ``python -m benchmarks.NAME``)."""
