"""Plugin discovery and the gate registry: which gate types exist and which plugin gave each.

Built-in gates, installed plugins and plugins named explicitly all register through one hook;
gate types resolve by registered name only (see ``docs/internals/features.md``, "The plugin kit").
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import pluggy

from circuitsim._version import DISTRIBUTION, __version__
from circuitsim.errors import PluginError, PluginWarning, Position, did_you_mean
from circuitsim.gate import hookspecs
from circuitsim.gate.base import Gate
from circuitsim.read.spec import NAME, NAME_RE

__all__ = [
    "BUILTIN_PLUGINS",
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "GateInfo",
    "PluginFailure",
    "PluginRecord",
    "Registry",
    "clear_registry_cache",
    "gate_class_problem",
    "get_plugin_manager",
    "load_registry",
]

BUILTIN_PLUGINS = ("gates",)
ENTRY_POINT_GROUP = "circuitsim"
DISABLE_AUTOLOAD_ENV = "CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD"


PluginSpec = str | ModuleType | os.PathLike


class _Plugin(NamedTuple):
    name: str
    obj: object
    dist: str | None
    version: str | None
    strict: bool  # True: a failure is a PluginError; False (installed): a PluginWarning


@dataclass
class GateInfo:
    """A registered gate type and the plugin that registered it."""

    cls: type[Gate]
    plugin: str
    dist: str | None = None
    version: str | None = None


@dataclass
class PluginFailure:
    """A plugin that failed to import or whose hook raised, and why."""

    plugin: str
    dist: str | None
    version: str | None
    error: str


@dataclass
class PluginRecord:
    """A loaded plugin: its name, distribution, version and the gate types it registered."""

    name: str
    dist: str | None = None
    version: str | None = None
    gates: list[str] = field(default_factory=list)


@dataclass
class Registry:
    """The gate types available to circuits, by name; treat it as read-only."""

    gates: dict[str, GateInfo] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    plugins: list[PluginRecord] = field(default_factory=list)
    # The plugin objects loaded so far, so that one module named twice loads once.
    _loaded: list[object] = field(default_factory=list, repr=False, compare=False)

    def get(self, type_name: str) -> GateInfo | None:
        """The gate type registered under ``type_name``, or ``None``."""
        return self.gates.get(type_name)

    def names(self) -> list[str]:
        """The registered gate type names, sorted."""
        return sorted(self.gates)

    def copy(self) -> Registry:
        return Registry(
            dict(self.gates), list(self.failures), list(self.plugins), list(self._loaded)
        )


def get_plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager that knows circuitsim's hooks and no plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


_default_registries: dict[bool, Registry] = {}


def clear_registry_cache() -> None:
    """Forget the cached default registries (for tests that change the installed plugins)."""
    _default_registries.clear()


def load_registry(plugins: Sequence[PluginSpec] = (), *, autoload: bool | None = None) -> Registry:
    """Build the gate registry: built-ins, installed plugins, then ``plugins``.

    ``autoload=None`` loads installed plugins unless the environment variable
    ``CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD`` is set (to anything but ``""`` or ``"0"``).
    The registry without explicit plugins is built once and cached; explicit plugins give a
    fresh registry on top of it.
    """
    if autoload is None:
        autoload = os.environ.get(DISABLE_AUTOLOAD_ENV, "") in ("", "0")
    base = _default_registries.get(autoload)
    if base is None:
        base = _default_registries[autoload] = _build_default_registry(autoload)
    if not plugins:
        return base
    registry = base.copy()
    explicit: list[_Plugin] = []
    for spec in plugins:
        name, obj = _import_explicit(spec)
        already_loaded = registry._loaded + [p.obj for p in explicit]
        if not any(obj is loaded for loaded in already_loaded):
            explicit.append(_Plugin(name, obj, None, None, strict=True))
    _register_plugins(registry, explicit)
    return registry


def _build_default_registry(autoload: bool) -> Registry:
    registry = Registry()
    builtins = [
        _Plugin(name, _import_module(name), DISTRIBUTION, __version__, strict=True)
        for name in BUILTIN_PLUGINS
    ]
    installed = _load_entry_points(registry) if autoload else []
    _register_plugins(registry, builtins + installed)
    return registry


# -- importing plugins ------------------------------------------------------------------


def _load_entry_points(registry: Registry) -> list[_Plugin]:
    """Import the entry points of group ``circuitsim``; failures are warned and recorded."""
    loaded = []
    seen = set()
    for dist in _distributions():
        ours = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
        if not ours:  # most distributions: their metadata is not read (it costs a load ~0.1 s)
            continue
        dist_name, version = _dist_name(dist), getattr(dist, "version", None)
        for ep in ours:
            if (dist_name, ep.name) in seen:
                continue
            seen.add((dist_name, ep.name))
            try:
                loaded.append(_Plugin(ep.name, ep.load(), dist_name, version, strict=False))
            except Exception as exc:  # a broken plugin must not break circuitsim
                _fail(registry, ep.name, dist_name, version, "failed to import", exc)
    return loaded


_GROUP_HEADER = re.compile(rb"^[ \t]*\[" + re.escape(ENTRY_POINT_GROUP.encode()) + rb"\][ \t]*\r?$", re.MULTILINE)  # as importlib.metadata reads it


def _distributions():
    """The installed distributions whose entry points may be of group ``circuitsim``, in the
    order ``importlib.metadata.distributions()`` gives them.

    Where every distribution is a folder (``NAME.dist-info``, ``NAME.egg-info``) in a folder
    of ``sys.path``, only the ones whose ``entry_points.txt`` has the group's header: reading
    those few files costs a few milliseconds where importing ``importlib.metadata`` and
    reading every distribution's entry points costs tens. Anything ``importlib.metadata``
    could find another way (a zip file on ``sys.path``, a finder of distributions of its own)
    gives every distribution, as it does."""
    from importlib.machinery import PathFinder

    folders = []
    for entry in sys.path:
        if not isinstance(entry, str):
            return _all_distributions()
        if os.path.isdir(entry or "."):
            folders.append(entry or ".")
        elif os.path.exists(entry):  # a zip file
            return _all_distributions()
    if any(hasattr(finder, "find_distributions") and not _searches_path(finder, PathFinder) for finder in sys.meta_path):
        return _all_distributions()
    found = [path for folder in folders for path in _metadata_folders(folder) if _declares_group(path)]
    if not found:
        return []
    import importlib.metadata

    return [importlib.metadata.PathDistribution(Path(path)) for path in found]


def _searches_path(finder, path_finder) -> bool:
    """Whether ``finder`` finds distributions only where importlib.metadata's own does, in the
    folders of ``sys.path``: its ``PathFinder``, or the ``importlib_metadata`` backport's, which
    some packages put on ``sys.meta_path`` (the same folders again, which ``seen`` skips)."""
    return finder is path_finder or (type(finder).__name__ == "MetadataPathFinder" and type(finder).__module__ == "importlib_metadata")


def _metadata_folders(folder: str) -> list[str]:
    """The metadata folders of the distributions in ``folder``, as importlib.metadata orders
    them: ``*.dist-info`` and ``*.egg-info`` by project name in the order of their first
    appearance, then an ``.egg`` folder's ``EGG-INFO``."""
    try:
        children = os.listdir(folder)
    except OSError:
        return []
    infos: dict[str, list[str]] = {}
    eggs = []
    egg = os.path.basename(folder).lower().endswith(".egg")
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            project = re.sub(r"[-_.]+", "_", low.rpartition(".")[0].partition("-")[0])
            infos.setdefault(project, []).append(os.path.join(folder, child))
        elif egg and low == "egg-info":
            eggs.append(os.path.join(folder, child))
    return [path for paths in infos.values() for path in paths] + eggs


def _declares_group(path: str) -> bool:
    """Whether the metadata folder ``path`` has entry points of group ``circuitsim``."""
    try:
        with open(os.path.join(path, "entry_points.txt"), "rb") as handle:
            return _GROUP_HEADER.search(handle.read()) is not None
    except OSError:  # none, or not a folder
        return False


def _all_distributions():
    import importlib.metadata

    return importlib.metadata.distributions()


def _import_explicit(spec: PluginSpec) -> tuple[str, object]:
    """Import a plugin named explicitly; a failure is a PluginError naming it."""
    if isinstance(spec, ModuleType):
        return spec.__name__, spec
    if isinstance(spec, os.PathLike) or spec.endswith(".py") or os.sep in spec or "/" in spec:
        path = os.fspath(spec)
        return path, _import_file(path)
    return spec, _import_module(spec)


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise PluginError(f"cannot import plugin {name!r}: {_describe(exc)}") from exc


def _import_file(path: str) -> ModuleType:
    """Import a ``.py`` file under a module name unique to its resolved path."""
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise PluginError("plugin file not found", Position(path))
    import hashlib

    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:12]
    module_name = f"circuitsim_plugin_{resolved.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise PluginError("cannot import plugin file (not a Python module)", Position(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        pos = Position(path)
        if isinstance(exc, SyntaxError) and exc.lineno is not None:
            pos = Position(path, exc.lineno, exc.offset)
        raise PluginError(f"cannot import plugin: {_describe(exc)}", pos) from exc
    return module


# -- registering gates ------------------------------------------------------------------


def _register_plugins(registry: Registry, plugins: list[_Plugin]) -> None:
    """Register the plugins with a fresh manager, then call each plugin's hook with a
    ``register`` bound to that plugin."""
    pm = get_plugin_manager()
    info: dict[str, tuple[str | None, str | None, bool]] = {}
    for name, obj, dist, version, strict in plugins:
        try:
            pm.register(obj, name=name)
        except Exception as exc:
            if strict:
                raise PluginError(
                    f"cannot use plugin {_label(name, dist, version)}: {exc}"
                ) from exc
            _fail(registry, name, dist, version, "cannot be used", exc)
            continue
        info[name] = (dist, version, strict)
        registry._loaded.append(obj)
    _check_pending(registry, pm, info)
    called = set()
    for impl in pm.hook.circuitsim_register_gates.get_hookimpls():
        called.add(impl.plugin_name)
        dist, version, _ = info[impl.plugin_name]
        _call_hook(registry, impl, dist, version)
    for name, (dist, version, _) in info.items():
        if name not in called:  # loaded, but it registers no gates
            registry.plugins.append(PluginRecord(name, dist, version))


def _check_pending(registry: Registry, pm: pluggy.PluginManager, info: dict[str, tuple]) -> None:
    """A hook implementation that matches no hook (a misspelling): a PluginError for a plugin
    named explicitly or built in; an installed plugin is warned about and skipped."""
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            unknown = [hc.name for hc in pm.get_hookcallers(exc.plugin) or [] if not hc.has_spec()]
            hook = unknown[0] if unknown else "?"
            known = [n for n in dir(hookspecs) if n.startswith(hookspecs.PROJECT_NAME + "_")]
            dist, version, strict = info.get(name, (None, None, True))
            problem = f"implements unknown hook {hook!r}{did_you_mean(hook, known)}"
            if strict:
                raise PluginError(f"plugin {_label(name, dist, version)} {problem}") from exc
            pm.unregister(exc.plugin)
            del info[name]
            registry._loaded.remove(exc.plugin)
            _fail(registry, name, dist, version, problem, exc)


def _call_hook(registry: Registry, impl: pluggy.HookImpl, dist, version) -> None:
    """Call one plugin's hook; its gates enter the registry only if the hook succeeds."""
    plugin = impl.plugin_name
    new: dict[str, GateInfo] = {}
    shadowed: dict[str, GateInfo] = {}

    def register(cls: type[Gate]) -> None:
        _validate_gate_class(cls, plugin, dist, version)
        other = new.get(cls.name) or registry.gates.get(cls.name)
        if other is not None and cls.name not in new and _is_builtin(other):
            shadowed[cls.name] = other
        elif other is not None:
            raise PluginError(
                f"gate type {cls.name!r} is registered by two plugins: "
                f"{_label(other.plugin, other.dist, other.version)} and "
                f"{_label(plugin, dist, version)}"
            )
        new[cls.name] = GateInfo(cls, plugin, dist, version)

    kwargs: dict[str, Any] = {"register": register}
    try:
        impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
    except PluginError:
        raise
    except Exception as exc:  # a broken plugin must not break circuitsim
        _fail(registry, plugin, dist, version, "raised in circuitsim_register_gates", exc)
        return
    for name, builtin in shadowed.items():
        warnings.warn(
            PluginWarning(
                f"gate type {name!r} of plugin {_label(plugin, dist, version)} shadows the "
                f"built-in {name!r} ({_label(builtin.plugin, builtin.dist, builtin.version)}); "
                f"circuits using {name!r} get the plugin's gate"
            )
        )
        registry.plugins = [  # new records: a copied registry shares them with its base
            PluginRecord(r.name, r.dist, r.version, [g for g in r.gates if g != name])
            if r.name == builtin.plugin else r
            for r in registry.plugins
        ]
    registry.gates.update(new)
    registry.plugins.append(PluginRecord(plugin, dist, version, list(new)))


def _is_builtin(info: GateInfo) -> bool:
    return info.plugin in BUILTIN_PLUGINS and info.dist == DISTRIBUTION


def _validate_gate_class(cls: object, plugin: str, dist, version) -> None:
    problem = gate_class_problem(cls)
    if problem is not None:
        raise PluginError(f"plugin {_label(plugin, dist, version)} registered {problem}")


def gate_class_problem(cls: object) -> str | None:
    """What makes ``cls`` unusable as a gate type (``"gate 'x' with arity 0 (...)"``), or ``None``."""
    if not (isinstance(cls, type) and issubclass(cls, Gate)):
        return f"{cls!r}, which is not a Gate subclass"
    name = cls.name
    if not (isinstance(name, str) and NAME_RE.match(name)):
        return (
            f"{cls.__qualname__} with invalid name {name!r}"
            f" (a gate name matches {NAME})"
        )
    arity = cls.arity
    if not (arity is None or (type(arity) is int and arity >= 1)):
        return f"gate {name!r} with arity {arity!r} (an int >= 1, or None for one or more inputs)"
    if not isinstance(cls.params, Mapping):
        return f"gate {name!r} whose params is not a mapping"
    return None


# -- small helpers ----------------------------------------------------------------------


def _fail(registry: Registry, plugin: str, dist, version, what: str, exc: BaseException) -> None:
    error = _describe(exc)
    registry.failures.append(PluginFailure(plugin, dist, version, error))
    warnings.warn(
        PluginWarning(f"plugin {_label(plugin, dist, version)} {what} and is skipped: {error}")
    )


def _label(plugin: str, dist: str | None, version: str | None) -> str:
    """``'name' (dist 1.0)`` for messages."""
    if dist is None:
        return repr(plugin)
    return f"{plugin!r} ({dist} {version or '?'})"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _dist_name(dist: Any) -> str | None:
    try:
        return dist.metadata["name"]
    except Exception:
        return getattr(dist, "name", None)

