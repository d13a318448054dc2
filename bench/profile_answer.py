"""Where an answer's time goes once the question vector is known: cProfile over the dev questions
answered from the query-vector cache (so the encoder is out of the picture).

    python -m bench.profile_answer      (after `python -m bench`, which builds var/bench/service/*/index)
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

from bench.common import VAR, dev_questions


def main() -> int:
    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.settings import Settings
    from index.build.builder import build_index
    from index.build.store import load_index

    built = sorted((VAR / "service").glob("*/index"))
    settings = Settings(index_dir=built[-1] if built else VAR / "profile" / "index")
    if not built:
        build_index(settings, Encoder.for_settings(settings))
    answerer = QuestionAnswerer(load_index(settings.index_dir, settings), Encoder.for_settings(settings).load(), settings)
    questions = dev_questions()
    for q in questions:
        answerer.answer(q)  # fills the cache
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(3):
        for q in questions:
            answerer.answer(q)
    profile.disable()
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(r"index/|bm25s", 15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
