"""``python -m circuitsim``: the same command line as ``circuitsim``."""

from circuitsim.cli import main

main(prog_name="circuitsim")
