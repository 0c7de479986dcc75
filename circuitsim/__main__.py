"""``python -m circuitsim``: the same command line as ``circuitsim``."""

from .cli import main

main(prog_name="circuitsim")
