"""Checking circuits: test vectors, gradient checks and warnings about parts no output needs;
grading a class with test vectors (``grade``) and finding where two circuits part (``diff``)."""
