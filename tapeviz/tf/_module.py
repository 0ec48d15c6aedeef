"""``tf.Module``: a container that finds the variables and submodules held in its attributes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from .. import engine as _E

__all__ = ["Module", "name_scope"]

_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=.)(?=[A-Z][a-z])")


def _snake_case(name: str) -> str:
    """``TinyNet`` → ``tiny_net``, ``MLPBlock`` → ``mlp_block`` (TF's default module names)."""
    return _WORD_START.sub("_", name).lower()


def _leaves(value: Any) -> Iterator[Any]:
    """Leaves of nested lists, tuples and dicts (dict values in sorted-key order, like tf.nest)."""
    if isinstance(value, dict):
        try:
            keys = sorted(value)
        except TypeError:
            keys = list(value)
        for key in keys:
            yield from _leaves(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


class name_scope:  # noqa: N801  (TF's spelling)
    """``tf.name_scope(name)``: ops and new variables inside get ``name/`` in their scope path.

    Entering gives the full scope with a trailing slash (``"outer/inner/"``), as in TF; the
    object can be entered again.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._open: list[Any] = []

    def __enter__(self) -> str:
        manager = _E.name_scope(self.name.rstrip("/"))
        self._open.append(manager)
        return manager.__enter__() + "/"

    def __exit__(self, *exc: Any) -> None:
        self._open.pop().__exit__(*exc)


class _ModuleScope(name_scope):
    """``module.name_scope``: its ``name`` ends with ``/`` as in TF (``"lin/"``)."""

    def __init__(self, module_name: str) -> None:
        super().__init__(module_name + "/")


def _scoped_call(call: Any) -> Callable[..., Any]:
    """Run a module's ``__call__`` inside its name scope, so its ops are grouped in drawings."""

    @functools.wraps(call)
    def scoped(self: Module, *args: Any, **kwargs: Any) -> Any:
        with self.name_scope:
            return call.__get__(self, type(self))(*args, **kwargs)

    scoped._tapeviz_scoped = True  # type: ignore[attr-defined]
    return scoped


class Module:
    """``tf.Module``: collects the variables and submodules assigned to its attributes.

    ``variables`` / ``trainable_variables`` are tuples: the module's own variables in order of
    attribute name (lists, tuples and dicts inside attributes are searched too), then those of
    each submodule in the same way, each variable once. ``name`` defaults to the class name in
    snake_case. tapeviz also runs ``__call__`` inside the module's name scope, so the ops a
    module creates are drawn as one group (TF leaves that to ``Module.with_name_scope``).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("__call__")
        if call is not None and not getattr(call, "_tapeviz_scoped", False):
            cls.__call__ = _scoped_call(call)  # type: ignore[method-assign]

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _snake_case(type(self).__name__)
        elif not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{name!r} is not a valid module name: module names must be Python identifiers")
        self._name = name
        self._name_scope = _ModuleScope(name)

    @property
    def name(self) -> str:
        return self.__dict__.get("_name") or _snake_case(type(self).__name__)

    @property
    def name_scope(self) -> _ModuleScope:
        """``with module.name_scope:`` puts ops and new variables under ``<module name>/``."""
        if "_name_scope" not in self.__dict__:
            self._name_scope = _ModuleScope(self.name)
        return self._name_scope

    @property
    def variables(self) -> tuple[_E.Variable, ...]:
        """Every variable held by this module and its submodules."""
        return tuple(self._walk(lambda x: isinstance(x, _E.Variable)))

    @property
    def trainable_variables(self) -> tuple[_E.Variable, ...]:
        """The trainable variables held by this module and its submodules (what gradients are taken for)."""
        return tuple(self._walk(lambda x: isinstance(x, _E.Variable) and x.trainable))

    @property
    def non_trainable_variables(self) -> tuple[_E.Variable, ...]:
        return tuple(self._walk(lambda x: isinstance(x, _E.Variable) and not x.trainable))

    @property
    def submodules(self) -> tuple[Module, ...]:
        """Every module held by this one, directly or inside other submodules."""
        return tuple(self._walk(lambda x: isinstance(x, Module)))

    @classmethod
    def with_name_scope(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: run ``method`` inside the module's name scope."""

        @functools.wraps(method)
        def scoped(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return scoped

    def _walk(self, wanted: Callable[[Any], bool], seen: set[int] | None = None,
              active: set[int] | None = None) -> Iterator[Any]:
        """Own attributes first (sorted by name), then each submodule in turn, each object once."""
        seen = {id(self)} if seen is None else seen
        active = set() if active is None else active
        submodules: list[Module] = []
        for key in sorted(vars(self)):
            if key in ("_name", "_name_scope"):
                continue
            for leaf in _leaves(vars(self)[key]):
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
                if wanted(leaf):
                    yield leaf
                if isinstance(leaf, Module):
                    submodules.append(leaf)
        active.add(id(self))
        for sub in submodules:
            if id(sub) not in active:
                yield from sub._walk(wanted, seen, active)
        active.discard(id(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
