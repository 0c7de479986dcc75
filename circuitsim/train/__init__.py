"""Training: gradient descent on a circuit's inputs, its outputs summed being the loss.

:meth:`Circuit.train <circuitsim.Circuit.train>` (or :func:`train`) runs the circuit on a batch
of samples at each step and moves the parameters against the mean gradient; the result is a
:class:`Fit` whose ``circuit`` has the trained values as its defaults.
"""

from circuitsim.train.data import data_columns, parameters
from circuitsim.train.fit import Fit, TrainingError, TrainingInterrupted, train
from circuitsim.train.optimizers import OPTIMIZERS, SGD, Adam, Optimizer

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Fit", "Optimizer", "TrainingError", "TrainingInterrupted", "data_columns", "parameters", "train"]
