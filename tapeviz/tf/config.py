"""``tf.config`` and ``tf.device``: tapeviz computes on the CPU with numpy, and says so.

``list_physical_devices("GPU")`` is ``[]`` and ``"CPU"`` gives the one CPU, so a guide's
"is there a GPU?" cell prints what it would on a CPU-only TensorFlow. ``tf.device(...)`` is
accepted as a context manager and changes nothing: every op runs on the CPU.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, NamedTuple

__all__ = [
    "LogicalDevice", "PhysicalDevice", "device", "experimental", "functions_run_eagerly", "get_visible_devices",
    "list_logical_devices", "list_physical_devices", "run_functions_eagerly", "set_visible_devices",
]


class PhysicalDevice(NamedTuple):
    """A device as TF lists it (the repr matches TF's)."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    name: str
    device_type: str


_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The CPU for ``"CPU"`` or no type; ``[]`` for ``"GPU"``, ``"TPU"`` and anything else."""
    if device_type is None or device_type.upper() == "CPU":
        return [_CPU]
    return []


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    if device_type is None or device_type.upper() == "CPU":
        return [LogicalDevice("/device:CPU:0", "CPU")]
    return []


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    return list_physical_devices(device_type)


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """Accepted; with only a CPU there is nothing to hide."""


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Accepted: tapeviz's ``tf.function`` always runs eagerly."""


def functions_run_eagerly() -> bool:
    return True


def _set_memory_growth(device: Any, enable: bool) -> None:
    """Accepted: there is no GPU memory to manage."""


experimental = SimpleNamespace(set_memory_growth=_set_memory_growth, list_physical_devices=list_physical_devices)


@contextlib.contextmanager
def device(device_name: str | None) -> Iterator[None]:
    """``with tf.device("/GPU:0"):`` — accepted; the ops inside run on the CPU like all others."""
    yield
