"""The version, in one place (pyproject reads it), and the name circuitsim is installed under."""

__version__ = "0.3.0"

# The import name and the command are `circuitsim`; on PyPI that name is another project.
DISTRIBUTION = "circuitsim-backprop"
