"""The ``circuitsim`` command line: one module per command family, loaded when it is called.

A new command is a module in this package and one line in :data:`COMMANDS`; what commands
share (``-p/--plugin``, the error handling) is in :mod:`circuitsim.cli.group`.
"""

from circuitsim.cli.group import command_group

__all__ = ["COMMANDS", "main"]

# name -> "module:attribute" of the click command, in circuitsim.cli
COMMANDS = {
    "assign": "assign:assign_cmd",
    "autograder": "autograder:autograder_cmd",
    "backward": "backward:backward_cmd",
    "bench": "bench:bench_cmd",
    "check": "check:check_cmd",
    "diff": "diff:diff_cmd",
    "draw": "draw:draw",
    "explain": "explain:explain_cmd",
    "explore": "explore:explore",
    "gates": "gates:gates_cmd",
    "grade": "grade:grade_cmd",
    "gradcheck": "gradcheck:gradcheck_cmd",
    "hessian": "hessian:hessian_cmd",
    "new-circuit": "new:new_circuit_cmd",
    "new-plugin": "newplugin:new_plugin_cmd",
    "plugins": "plugins:plugins_cmd",
    "run": "run:run_cmd",
    "schema": "schema:schema_cmd",
    "serve": "explore:serve",
    "test": "test:test_cmd",
    "trace": "trace:trace",
    "train": "train:train_cmd",
    "worksheet": "worksheet:worksheet_cmd",
}

main = command_group(COMMANDS)
