"""The README's security table stays true: every test a row names exists (and so runs in `make test`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def security_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| control")]


def defined_names(path: Path) -> set[str]:
    """Test classes and functions of a file, as `Class::method` and `function`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f"{node.name}::{item.name}" for item in node.body if isinstance(item, ast.FunctionDef)}
    return names


def test_every_row_of_the_security_table_names_a_test_that_exists():
    rows = security_rows()
    assert len(rows) >= 10
    for row in rows:
        proved_by = row.rstrip(" |").rsplit("|", 1)[-1]
        references = re.findall(r"`(tests/[^`]+)`", proved_by)
        assert references, f"this row names no test: {row[:60]}"
        for reference in references:
            path, _, name = reference.partition("::")
            assert (ROOT / path).is_file(), reference
            if name:
                assert name in defined_names(ROOT / path), reference
