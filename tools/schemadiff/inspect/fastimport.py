"""Import schemainspect (under migra) in ~0.05 s instead of ~0.7 s.

schemainspect.misc finds the package of each of its 17 SQL files with
`inspect.stack()`, which reads the source of every frame on the stack: 0.4-0.8 s per
import, more the deeper the import happens. It also imports `pkg_resources` (0.1-0.3 s)
for nothing but reading those files. `preload_schemainspect()` loads schemainspect.misc
first, with a frame walk in place of `inspect.stack()` and `importlib.resources` in
place of `pkg_resources`; everything else in schemainspect runs unchanged and reads the
same SQL text. Call it before importing migra or schemainspect.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

MISC = "schemainspect.misc"


def _resource_stream(module_name: str, subpath: str):
    """pkg_resources.resource_stream: a file beside the (possibly still importing) module."""
    module = sys.modules[module_name]
    return open(Path(module.__file__ or "").parent / subpath, "rb")


def _external_caller() -> str:
    """Name of the nearest calling module outside schemainspect.misc (what the original
    computed from inspect.stack())."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == MISC:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        raise RuntimeError("schemainspect.misc called from nowhere")
    return frame.f_globals["__name__"]


def preload_schemainspect() -> None:
    """Load schemainspect.misc the fast way; a no-op once it is loaded (by us or not)."""
    if MISC in sys.modules:
        return
    spec = importlib.util.find_spec("schemainspect")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: the caller's own import reports it
    path = next(iter(spec.submodule_search_locations)) + "/misc.py"
    misc_spec = importlib.util.spec_from_file_location(MISC, path)
    if misc_spec is None or misc_spec.loader is None:
        return
    module = importlib.util.module_from_spec(misc_spec)
    # misc.py does `from pkg_resources import resource_stream`: serve just that, for the
    # duration of its import only, so anything else importing pkg_resources gets the real one.
    stub = types.ModuleType("pkg_resources")
    stub.resource_stream = _resource_stream  # type: ignore[attr-defined]
    real = sys.modules.get("pkg_resources")
    sys.modules["pkg_resources"] = stub
    try:
        misc_spec.loader.exec_module(module)
    finally:
        if real is None:
            del sys.modules["pkg_resources"]
        else:
            sys.modules["pkg_resources"] = real
    module.external_caller = _external_caller  # type: ignore[attr-defined]
    sys.modules[MISC] = module
    # Import the package now (it finds misc in sys.modules) and bind the submodule as
    # an attribute, as a normal import would: migra reads `schemainspect.misc.…`.
    package = importlib.import_module("schemainspect")
    package.misc = module  # type: ignore[attr-defined]
