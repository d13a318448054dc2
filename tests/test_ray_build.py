"""`inspectqa index build --ray`: encoding batches on a Ray cluster (here a local one of 2 CPUs that the
test starts) writes the same index as a local build, vectors within 1e-6."""

from __future__ import annotations

import os

import numpy as np
import pytest

from index.build.builder import build_index
from index.build.store import load_index

# CI installs ray (pyproject); only a machine without it may skip
if os.environ.get("CI") or os.environ.get("INSPECTQA_REQUIRE_BROWSER"):
    import ray  # noqa: F401
else:
    ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_cluster():
    from index.build import ray_encode

    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING",
             runtime_env={"py_modules": [str(ray_encode.PROJECT_ROOT / "index")]})
    yield
    ray.shutdown()


def test_a_ray_build_writes_the_local_build_s_index(ray_cluster, settings, built_index, tmp_path):
    from index.build.ray_encode import RayEncoder

    ray_settings = settings.model_copy(update={"index_dir": tmp_path / "index"})
    # chunks of 2 batches of 32: the 272 texts go out as 5 tasks over 2 workers
    encoder = RayEncoder(ray_settings, chunk_batches=2, log=lambda _: None)
    manifest = build_index(ray_settings, encoder)
    # a fresh index directory reuses nothing: every distinct text went to the cluster
    assert manifest.passage_count < encoder.texts_encoded <= manifest.passage_count + manifest.sentence_count + manifest.boilerplate_count
    index = load_index(ray_settings.index_dir, ray_settings)
    assert [p.text for p in index.passages] == [p.text for p in built_index.passages]
    for name in ("passage_vectors", "sentence_vectors", "boilerplate_vectors"):
        ours, local = np.asarray(getattr(index, name)), np.asarray(getattr(built_index, name))
        assert ours.shape == local.shape
        assert np.abs(ours - local).max() <= 1e-6, name
