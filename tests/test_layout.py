"""The import direction holds: index/ knows nothing of the service, the harness, the CLI or the benchmarks,
and the service nothing of the harness or the CLI. Read from the source (ast), so lazy imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from index.settings import PROJECT_ROOT

# package -> top-level packages its modules may not import
FORBIDDEN = {
    "index": {"service", "eval", "cli", "bench"},
    "service": {"eval", "cli", "bench"},
}


def imported_packages(source: str) -> set[str]:
    """Top-level package of every import in `source`, wherever it sits (module level or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(package: str, root: Path = PROJECT_ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)} imports {', '.join(sorted(bad))}"
        for path in sorted((root / package).rglob("*.py"))
        if (bad := imported_packages(path.read_text(encoding="utf-8")) & FORBIDDEN[package])
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    assert (PROJECT_ROOT / package).is_dir()
    assert violations(package) == []


def test_a_violation_is_caught_even_inside_a_function(tmp_path):
    (tmp_path / "index" / "answer").mkdir(parents=True)
    (tmp_path / "index" / "answer" / "fine.py").write_text("import numpy\nfrom index.errors import InspectQAError\nfrom . import x\n")
    (tmp_path / "index" / "answer" / "bad.py").write_text("def f():\n    from service.schemas import AskResponse\n    import eval.matching\n")
    assert violations("index", tmp_path) == ["index/answer/bad.py imports eval, service"]
