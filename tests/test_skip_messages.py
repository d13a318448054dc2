"""A skipped test says why in words and repository paths only: no machine's own folders (/usr, /work, /tmp, ~)."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
_OUTSIDE = re.compile(r"(?<![\w.])(?:/(?:usr|work|tmp|home|root|opt|var|etc|srv)\b|~/|[A-Za-z]:\\)")


def _skip_reasons(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("skip", "importorskip", "skipif"):
            args = list(node.args) + [k.value for k in node.keywords if k.arg in ("reason", "msg")]
            if node.func.attr == "importorskip":
                args = [k.value for k in node.keywords if k.arg == "reason"]
            yield node, args


def test_skip_reasons_name_no_paths_outside_the_repository():
    problems = []
    for path in sorted(TESTS.glob("*.py")):
        for node, args in _skip_reasons(ast.parse(path.read_text(encoding="utf-8"))):
            for arg in args:
                where = f"{path.name}:{node.lineno}"
                if isinstance(arg, ast.JoinedStr):
                    problems.append(f"{where}: an f-string reason may name a machine path")
                elif isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _OUTSIDE.search(arg.value):
                    problems.append(f"{where}: {arg.value!r}")
    assert problems == []


def test_the_check_catches_an_outside_path():
    tree = ast.parse('import pytest\npytest.skip("no file at /work/shared/x")\npytest.skip(f"{X} missing")\n')
    reasons = [arg for _, args in _skip_reasons(tree) for arg in args]
    assert _OUTSIDE.search(reasons[0].value) and isinstance(reasons[1], ast.JoinedStr)
