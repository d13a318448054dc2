"""The `inspectqa` command explains itself and answers from the shell."""

import json
import os
import subprocess
import sys

import pytest

from index.settings import PROJECT_ROOT


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


@pytest.mark.parametrize(
    "args, says",
    [
        ([], ["COMMAND", "index", "ask", "serve", "eval", "keys", "corpus", "INSPECTQA_"]),
        (["index"], ["ACTION", "build", "status"]),
        (["index", "build"], ["--force", "--quiet", "INSPECTQA_CORPUS_DIR", "INSPECTQA_INDEX_DIR"]),
        (["ask"], ["--top-k", "--json", "INSPECTQA_TOP_K"]),
        (["serve"], ["--host", "--port", "INSPECTQA_PORT"]),
    ],
)
def test_help_explains_each_command(args, says):
    result = run(*args, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: inspectqa{''.join(' ' + a for a in args)}")
    missing = [word for word in says if word not in " ".join(result.stdout.split())]
    assert not missing, f"help of {args} does not mention {missing}"


def test_ask_prints_answer_and_sources(settings, built_index):
    result = run("ask", "Which government department is copied into the monitoring letter?", "--index", str(settings.index_dir))
    assert result.returncode == 0, result.stderr
    assert "Department for Education" in result.stdout
    assert "Sources:" in result.stdout and "[1]" in result.stdout


def test_ask_json_matches_the_api_shape(settings, built_index):
    result = run("ask", "Who led the Wakefield Conservatives?", "--json", "--top-k", "3", "--index", str(settings.index_dir))
    body = json.loads(result.stdout)
    assert len(body["citations"]) == 3 and "answerable" in body


def test_ask_without_top_k_cites_inspectqa_top_k_passages(settings, built_index):
    result = run("ask", "Who led the Wakefield Conservatives?", "--json", "--index", str(settings.index_dir), env={"INSPECTQA_TOP_K": "2"})
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["citations"]) == 2


def test_missing_index_is_an_error_that_says_what_to_do(tmp_path):
    result = run("ask", "anything", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "inspectqa index build" in result.stderr and "Traceback" not in result.stderr


def test_build_on_an_up_to_date_index_does_nothing(settings, built_index):
    result = run("index", "build", env={"INSPECTQA_INDEX_DIR": str(settings.index_dir)})
    assert result.returncode == 0 and "up to date" in result.stdout
