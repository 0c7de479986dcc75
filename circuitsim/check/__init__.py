"""Checking circuits: test vectors, gradient checks and warnings about parts no output needs."""
