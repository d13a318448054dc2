"""What the running service holds: the loaded index and answerer, or why there is none."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from index.answer.answerer import QuestionAnswerer
from index.build.embed import Encoder
from index.errors import InspectQAError
from index.settings import Settings
from index.build.store import load_index

log = logging.getLogger("inspectqa")


@dataclass
class ServiceState:
    settings: Settings
    answerer: QuestionAnswerer | None = None
    not_ready_reason: str | None = "starting"
    disagreement: str | None = None  # how documents.yaml and this index differ (service/consistency.py), if they do

    @classmethod
    def load(cls, settings: Settings, encoder: Encoder | None = None) -> "ServiceState":
        """Load model and index once. A failure is kept as the reason /readyz gives, not raised."""
        try:
            index = load_index(settings.index_dir, settings)
            encoder = (encoder or Encoder.for_settings(settings)).load()
            if encoder.dimension != index.manifest.dimension:
                raise InspectQAError(
                    f"model {settings.model!r} makes {encoder.dimension}-dimensional vectors but the index holds "
                    f"{index.manifest.dimension}; run 'inspectqa index build' to rebuild it"
                )
            answerer = QuestionAnswerer(index, encoder, settings)
        except InspectQAError as exc:
            log.error("not ready: %s", exc)
            return cls(settings=settings, not_ready_reason=str(exc))
        log.info("index loaded: %s passages from %s", index.manifest.passage_count, index.path)
        return cls(settings=settings, answerer=answerer, not_ready_reason=None)
