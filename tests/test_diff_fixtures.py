"""Round trips over SQL fixture folders: a + migration == b, b + rollback == a, both ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roundtrip import roundtrip

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "diff").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_forward(server, databases, case):
    result = roundtrip(server, databases, case)
    assert result.plan.up_statements(), "a.sql and b.sql differ, so the plan must not be empty"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_backward(server, databases, case, tmp_path):
    # The same folder read the other way round: b is the starting point, a the target.
    swapped = tmp_path / case.name
    swapped.mkdir()
    shutil.copy(case / "a.sql", swapped / "b.sql")
    shutil.copy(case / "b.sql", swapped / "a.sql")
    if not (swapped / "b.sql").read_text().strip():
        (swapped / "b.sql").write_text("-- nothing\nselect 1;\n")
    result = roundtrip(server, databases, swapped)
    assert result.plan.up_statements()
