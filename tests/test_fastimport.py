"""The fast schemainspect import loads exactly what the original import loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"

DUMP = """
import json, sys, warnings
sys.path.insert(0, {tools!r})
if {fast!r}:
    from schemadiff.inspect.fastimport import preload_schemainspect
    preload_schemainspect()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import migra
    import schemainspect.pg.obj as obj
import schemainspect
assert schemainspect.misc is sys.modules["schemainspect.misc"]  # migra reads it so
queries = {{k: v for k, v in vars(obj).items() if k.endswith("_QUERY") or k.endswith("_QUERY_9")}}
print(json.dumps({{"queries": queries, "pkg_resources": "pkg_resources" in sys.modules,
                  "migra": migra.Migration.__name__}}))
"""


def _load(fast: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", DUMP.format(tools=str(TOOLS), fast=fast)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_fast_import_reads_the_same_sql_as_the_original():
    fast, original = _load(True), _load(False)
    assert len(fast["queries"]) >= 17
    assert all(text.strip() for text in fast["queries"].values())
    assert fast["queries"] == original["queries"]
    assert fast["migra"] == "Migration"


def test_fast_import_does_not_import_pkg_resources():
    assert _load(True)["pkg_resources"] is False
    assert _load(False)["pkg_resources"] is True  # the original does: the saving is real
