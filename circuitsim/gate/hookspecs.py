"""The hooks a circuitsim plugin can implement, and the markers to declare them.

A plugin is a module (or any object) with functions decorated with :data:`hookimpl` whose
names are hooks specified here. The built-in gate library, the ``gates`` package, is such a
plugin too.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from circuitsim.gate.base import Gate

__all__ = ["PROJECT_NAME", "hookspec", "hookimpl", "circuitsim_register_gates"]

PROJECT_NAME = "circuitsim"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def circuitsim_register_gates(register: Callable[[type[Gate]], None]) -> None:
    """Register the gate types this plugin provides.

    Called once for every plugin when circuitsim builds its gate registry: first the built-in
    ``gates`` package, then installed plugins (entry point group ``circuitsim``), then plugins
    named explicitly (``-p`` on the command line, ``plugins=[...]`` in the Python API).

    :param register:
        Call ``register(GateClass)`` once for each :class:`~circuitsim.gate.Gate` subclass the
        plugin provides. The class's ``name`` is the ``type`` used in circuit files. A class
        that is not a valid gate, or a name that another plugin registered already, raises
        :class:`~circuitsim.errors.PluginError` naming the plugins involved.

    Return value: none; anything returned is ignored. Register gates through ``register``.

    Calling mode: every implementation is called, each with its own ``register`` so that the
    gates it registers are attributed to its plugin. An implementation that raises is reported
    in a :class:`~circuitsim.errors.PluginWarning` and its gates are dropped; the other
    plugins keep working.
    """
