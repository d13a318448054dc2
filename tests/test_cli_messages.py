"""The command line says the right things: quiet by default, each command's own usage, help that matches what
the service does, `index status` that notices a changed corpus, and a one-line answer to a port in use."""

from __future__ import annotations

import io
import logging
import os
import shutil
import socket
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from cli.logs import configure
from cli.main import main
from index.build.store import builds_dir
from index.settings import PROJECT_ROOT


def run(*args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )  # fmt: skip


def _main(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def _copy_index(settings, var: Path) -> Path:
    index_dir = var / "index"
    build = builds_dir(index_dir) / "copied"
    shutil.copytree(Path(settings.index_dir).resolve(), build)
    os.symlink(os.path.relpath(build, var), index_dir)
    return index_dir


def test_a_wrong_flag_prints_the_usage_of_the_command_it_was_given_to():
    code, _, err = _main("ask", "How many visits?", "--wrong")
    assert code == 2 and err.startswith("usage: inspectqa ask ") and "unrecognized arguments: --wrong" in err
    code, _, err = _main("corpus", "add", "x.pdf", "--titel", "X")
    assert code == 2 and err.startswith("usage: inspectqa corpus add ")


def test_keys_add_admin_help_names_every_admin_route(settings, encoder, built_index, tmp_path):
    """Found by behaviour: every route in the API that refuses a valid non-admin key with 403."""
    from fastapi.testclient import TestClient

    from service.keys import add_key
    from service.main import create_app

    keyed = settings.model_copy(update={"auth": "keys", "keys_file": tmp_path / "keys.json"})
    user_key = add_key(keyed.keys_file, "reader", admin=False)
    admin_only = set()
    with TestClient(create_app(keyed, encoder)) as http:
        for path, methods in http.get("/openapi.json", headers={"Authorization": f"Bearer {user_key}"}).json()["paths"].items():
            for method in methods:
                concrete = path.replace("{doc_id}", "no-such-doc").replace("{feedback_id}", "1")
                if http.request(method.upper(), concrete, headers={"Authorization": f"Bearer {user_key}"}).status_code == 403:
                    admin_only.add(f"{method.upper()} {path}")
    assert len(admin_only) >= 3, admin_only
    code, out, _ = _main("keys", "add", "--help")
    text = " ".join(out.split())
    missing = [route for route in sorted(admin_only) if route not in text]
    assert not missing, f"keys add --admin help does not name {missing}"


def test_corpus_list_describes_index_as_unused():
    code, out, _ = _main("corpus", "list", "--help")
    text = " ".join(out.split())
    assert "--index INDEX not used" in text and "rebuild" not in text.split("--index INDEX", 1)[1].split("-v,")[0]


def test_index_status_has_a_description_and_reports_a_changed_corpus(settings, built_index, corpus_copy, tmp_path):
    code, out, _ = _main("index", "status", "--help")
    assert "corpus has changed since the build" in " ".join(out.split())
    index_dir = _copy_index(settings, tmp_path / "var")
    code, _, err = _main("index", "status", "--index", str(index_dir), "--corpus", str(corpus_copy))
    assert code == 0 and "changed" not in err
    meta = corpus_copy / "documents.yaml"
    meta.write_text(meta.read_text().replace("title: Council failings are putting children at risk of harm", "title: Council failings (edited)"))
    code, _, err = _main("index", "status", "--index", str(index_dir), "--corpus", str(corpus_copy))
    assert code == 1 and "has changed since this index was built" in err and "index build" in err


def test_library_chatter_is_hidden_unless_verbose():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers[:] = [logging.StreamHandler(stream)]
    try:
        configure(verbose=False)
        logging.getLogger("bm25s").setLevel(logging.DEBUG)  # as bm25s does when imported
        logging.getLogger("bm25s").debug("Building index from tokens")
        logging.getLogger("faiss.loader").info("Loading faiss with AVX2 support.")
        logging.getLogger("pypdf._reader").warning("Ignoring wrong pointing object 6 0 (offset 0)")
        logging.getLogger("inspectqa").warning("a warning of ours")
        assert stream.getvalue().splitlines() == ["a warning of ours"]
        configure(verbose=True)
        logging.getLogger("bm25s").debug("Building index from tokens")
        logging.getLogger("pypdf._reader").warning("Ignoring wrong pointing object 6 0 (offset 0)")
        assert stream.getvalue().splitlines()[1:] == ["Building index from tokens", "Ignoring wrong pointing object 6 0 (offset 0)"]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for handler in saved[0]:
            handler.filters[:] = [f for f in handler.filters if type(f).__name__ != "QuietLibraries"]


def test_index_build_prints_no_library_lines_by_default_and_all_with_verbose(settings, built_index, tmp_path):
    index_dir = _copy_index(settings, tmp_path / "var")
    quiet = run("index", "build", "--force", "--quiet", "--out", str(index_dir))
    assert quiet.returncode == 0, quiet.stderr
    assert "bm25s" not in quiet.stderr and "faiss" not in quiet.stderr and "DEBUG" not in quiet.stderr, quiet.stderr
    loud = run("index", "build", "--force", "--quiet", "--out", str(index_dir), "--verbose")
    assert loud.returncode == 0 and "DEBUG bm25s" in loud.stderr


def test_a_port_in_use_gets_one_line_with_the_fix():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--host", "127.0.0.1", "--port", str(port), timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "already in use" in lines[0] and f"--port {port + 1}" in lines[0] and "INSPECTQA_PORT" in lines[0], result.stderr
