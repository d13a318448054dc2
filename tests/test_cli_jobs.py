"""`inspectqa corpus add` shows its progress as a bar and, with --no-wait, gives a job id at once."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from index.build.builder import build_index
from job_helpers import tiny_corpus
from service.config import ServiceSettings
from service.main import create_app


def _setup(tmp_path, encoder):
    settings = ServiceSettings(
        corpus_dir=tiny_corpus(tmp_path / "corpus"), index_dir=tmp_path / "index", feedback_db=tmp_path / "feedback.sqlite3",
        audit_db=tmp_path / "audit.sqlite3", keys_file=tmp_path / "keys.json", auth="off", rate_limit_per_minute=0, index_poll_seconds=0,
    )  # fmt: skip
    build_index(settings, encoder)
    note = tmp_path / "minutes.txt"
    note.write_text("Brambleford minutes, April 2024. Caseloads fell to sixteen children each.\n", encoding="utf-8")
    return settings, note, ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]


def _doc_ids(settings) -> set[str]:
    return {e["doc_id"] for e in yaml.safe_load((settings.corpus_dir / "documents.yaml").read_text(encoding="utf-8"))["documents"]}


def test_corpus_add_waits_and_shows_a_progress_bar(tmp_path, encoder, capsys):
    from cli.main import main

    settings, note, where = _setup(tmp_path, encoder)
    assert main(["corpus", "add", str(note), "--doc-id", "april-minutes", "--wait", "0", *where]) == 0
    err = capsys.readouterr().err
    assert "[#---------] extracting" in err and "[###-------] building" in err and "[##########] published" in err
    assert "april-minutes" in _doc_ids(settings)


def test_corpus_add_no_wait_prints_a_job_id_that_corpus_job_and_the_service_both_follow(tmp_path, encoder, capsys):
    from cli.main import main

    settings, note, where = _setup(tmp_path, encoder)
    assert main(["corpus", "add", str(note), "--doc-id", "april-minutes", "--no-wait", *where]) == 0
    job_id = capsys.readouterr().out.strip()
    assert len(job_id) == 16
    assert main(["corpus", "job", job_id, "--follow", *where]) == 0  # waits for the background process
    line = capsys.readouterr().out.strip()
    assert line.split("\t")[:4] == [job_id, "add", "published", "april-minutes"], line
    assert "april-minutes" in _doc_ids(settings)
    with TestClient(create_app(settings, encoder)) as client:
        job = client.get(f"/admin/jobs/{job_id}").json()
        assert job["state"] == "published" and job["doc_id"] == "april-minutes"
        assert "april-minutes" in {d["doc_id"] for d in client.get("/documents").json()}
    assert main(["corpus", "job", "0123456789abcdef", *where]) == 2
