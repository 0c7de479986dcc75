"""The circuit files here are wrong on purpose: tests/test_*.py load them and check the errors
they give, so the circuitsim pytest plugin must not collect their ``tests:`` as test vectors."""

collect_ignore_glob = ["*.yaml", "*/*.yaml"]
