"""examples/ must be exactly what the templates render today."""

from __future__ import annotations

from pathlib import Path

import pytest
from bake import EXAMPLES, EXAMPLES_ABSPATH, Variant, render, tree_digest


@pytest.mark.parametrize("variant", EXAMPLES, ids=lambda v: v.example_name)
def test_example_matches_templates(variant: Variant, tmp_path: Path) -> None:
    """A drifted example names its changed files; `scripts/refresh-examples` fixes it."""
    committed = EXAMPLES_ABSPATH / variant.example_name
    assert committed.is_dir(), (
        f"missing examples/{variant.example_name}: run scripts/refresh-examples"
    )
    fresh = tree_digest(render(variant, tmp_path, variant.example_name))
    old = tree_digest(committed)
    drifted = sorted(path for path in fresh.keys() | old.keys() if fresh.get(path) != old.get(path))
    assert drifted == [], (
        f"examples/{variant.example_name} drifted: {drifted}; run scripts/refresh-examples"
    )
