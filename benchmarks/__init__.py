"""Benchmarks of circuitsim, kept out of the default test run: ``python -m benchmarks.run``."""
