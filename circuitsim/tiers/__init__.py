"""The ways to run a plan, from per-gate kernels to levels and blocks of numpy operations."""
