"""`inspectqa eval`: put a question file to our pipeline and the baselines, write the figures."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eval.gate import FLOORS_FILE
from eval.questions import DEV_QUESTIONS, load_questions
from eval.errors import EvaluationError
from index.settings import PROJECT_ROOT, Settings

SYSTEMS = ("ours", "naive", "bm25")
DEFAULT_OUT = PROJECT_ROOT / "eval" / "out"
# settings a --config may not set: the harness decides where each variant's index lives
_NOT_CONFIGURABLE = {"index_dir", "host", "port"}
# settings that change how an answer is decided, not what the index holds: a variant with only these shares the index
ANSWER_TIME_SETTINGS = {
    "answer_checks_off", "answer_threshold", "abstain_threshold", "abstain_boilerplate_margin", "answer_sentences",
    "answer_max_chars", "top_k", "candidates", "rrf_k", "conflict_margin", "distinct_citations",
}


@dataclass(frozen=True)
class Config:
    """One --config: settings overrides for a variant of our pipeline."""

    text: str
    overrides: dict

    @property
    def name(self) -> str:
        return f"ours[{self.text}]"


def parse_config(text: str) -> Config:
    """'chunk_size=400,chunk_overlap=100' -> Config; names must be Settings fields."""
    overrides = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise EvaluationError(f"--config {text!r}: {item!r} is not NAME=VALUE")
        if key not in Settings.model_fields or key in _NOT_CONFIGURABLE:
            known = ", ".join(sorted(set(Settings.model_fields) - _NOT_CONFIGURABLE))
            raise EvaluationError(f"--config {text!r}: unknown setting {key!r}; settings are {known}")
        overrides[key] = value.strip()
    if not overrides:
        raise EvaluationError(f"--config {text!r} sets nothing; write NAME=VALUE[,NAME=VALUE...]")
    return Config(",".join(f"{k}={v}" for k, v in overrides.items()), overrides)


def apply_config(base: Settings, config: Config, index_dir: Path) -> Settings:
    """`base` with the overrides validated as the settings object validates its own fields."""
    from pydantic import ValidationError

    try:
        checked = type(base).model_validate({**base.model_dump(), **config.overrides})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise EvaluationError(f"--config {config.text!r}: {problems}") from None
    return base.model_copy(update={**{k: getattr(checked, k) for k in config.overrides}, "index_dir": index_dir})


def _systems_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    return names


class _Lab:
    """Indexes and encoder for one run, built on first need inside a temporary work folder."""

    def __init__(self, settings: Settings, encoder, work: Path, log):
        self.settings = settings
        self._encoder = encoder
        self.work = work
        self.log = log
        self._base = None
        self._other_backends = {}

    @property
    def encoder(self):
        if self._encoder is None:
            from index.build.embed import Encoder

            self._encoder = Encoder.for_settings(self.settings)
        return self._encoder.load()

    def _changes_backend(self, settings: Settings) -> bool:
        return settings.embedding_backend != getattr(self.encoder, "backend", "torch")

    def encoder_for(self, settings: Settings):
        """The run's encoder, or one on the embedding backend a --config asks for."""
        if not self._changes_backend(settings):
            return self.encoder
        if settings.embedding_backend not in self._other_backends:
            from index.build.embed import Encoder

            self._other_backends[settings.embedding_backend] = Encoder.for_settings(settings).load()
        return self._other_backends[settings.embedding_backend]

    def base_index(self):
        """The configured index when it is current; otherwise one built for this run."""
        if self._base is None:
            from index.build.builder import build_index, index_is_current
            from index.build.store import load_index

            settings = self.settings
            if not index_is_current(settings):
                settings = settings.model_copy(update={"index_dir": self.work / "base" / "index"})
                self.log(f"index at {self.settings.index_dir} is missing or stale; building one for this run in {settings.index_dir}")
                build_index(settings, self.encoder)
            self._base = (settings, load_index(settings.index_dir, settings))
        return self._base

    def answerer(self, settings: Settings, index):
        from index.answer.answerer import QuestionAnswerer

        return QuestionAnswerer(index, self.encoder_for(settings), settings)

    def config_index(self, config: Config, slot: int):
        """A fresh index for `config`, seeded with the base index so unchanged texts are not re-encoded; the base
        index itself when `config` changes only how answers are decided."""
        from index.build.builder import build_index
        from index.build.store import load_index

        base_settings, base = self.base_index()
        if set(config.overrides) <= ANSWER_TIME_SETTINGS:
            return apply_config(base_settings, config, base_settings.index_dir), base
        folder = self.work / f"config-{slot}"
        folder.mkdir(parents=True)
        settings = apply_config(base_settings, config, folder / "index")
        if not self._changes_backend(settings):  # another backend: every vector from that backend, none reused
            shutil.copytree(base.path, settings.index_dir)  # build_index reuses the vectors of unchanged texts
        self.log(f"building the index for {config.name} in {settings.index_dir}")
        build_index(settings, self.encoder_for(settings))
        return settings, load_index(settings.index_dir, settings)


def build_systems(args: argparse.Namespace, configs: list[Config], lab: _Lab) -> list:
    from eval.systems import Bm25System, HttpSystem, NaiveSystem, PipelineSystem

    systems = []
    for name in args.systems:
        if name == "ours" and args.url:
            systems.append(HttpSystem("ours", args.url))
        elif name == "ours":
            settings, index = lab.base_index()
            systems.append(PipelineSystem("ours", lab.answerer(settings, index), _describe(settings, index)))
        elif name == "naive":
            systems.append(NaiveSystem(lab.encoder, lab.settings.corpus_dir))
        elif name == "bm25":
            systems.append(Bm25System(lab.base_index()[1]))
    for slot, config in enumerate(configs, 1):
        settings, index = lab.config_index(config, slot)
        systems.append(PipelineSystem(config.name, lab.answerer(settings, index), _describe(settings, index)))
    if not systems:
        raise EvaluationError("nothing to evaluate: --systems is empty and no --config was given")
    return systems


def _describe(settings: Settings, index) -> str:
    s = settings
    return (
        f"our pipeline in process: {index.manifest.passage_count} passages (chunk_size {s.chunk_size}, overlap {s.chunk_overlap}), "
        f"candidates {s.candidates}, rrf_k {s.rrf_k}, answer_sentences {s.answer_sentences}, abstain_threshold {s.abstain_threshold:g}, "
        f"embedding backend {s.embedding_backend}"
    )


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run, spelled out with every default."""
    parts = ["inspectqa", "eval", "--questions", str(args.questions), "--top-k", str(args.top_k), "--systems", ",".join(args.systems)]
    for text in args.config or []:
        parts += ["--config", text]
    if getattr(args, "ablation", False):
        parts += ["--ablation"]
    if args.url:
        parts += ["--url", args.url]
    parts += ["--out", str(args.out)]
    if getattr(args, "floors", None):
        parts += ["--floors", str(args.floors)]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace, settings: Settings | None = None, encoder=None) -> int:
    """The command; `settings` and `encoder` default to the environment's (tests pass their own)."""
    from eval.report import systems_table, write_outputs, results_document
    from eval.runner import evaluate
    from index.settings import get_settings

    if getattr(args, "conflicts", None):
        return _run_conflicts(args, settings, encoder)
    if getattr(args, "conversations", None):
        return run_conversations(args, settings, encoder)
    if args.questions is None:
        raise EvaluationError(f"no --questions given and no dev set at {DEV_QUESTIONS}")
    questions = load_questions(args.questions)
    settings = settings or get_settings()
    gate = _floors_for(args) if args.floors else None
    configs = [parse_config(text) for text in args.config or []]
    if getattr(args, "ablation", False):  # each reason to decline switched off in turn
        from index.answer.policy import CHECKS

        configs += [parse_config(f"answer_checks_off={name}") for name in CHECKS]
    for config in configs:
        apply_config(settings, config, settings.index_dir)  # a bad value fails now, not after minutes of index building
    if len({c.name for c in configs}) != len(configs):
        raise EvaluationError("the same --config is given twice")
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    command = command_line(args)
    with tempfile.TemporaryDirectory(prefix="inspectqa-eval-") as work:
        lab = _Lab(settings, encoder, Path(work), log)
        systems = build_systems(args, configs, lab)
        log(f"{len(questions)} questions x {len(systems)} systems: {', '.join(s.name for s in systems)}")
        result = evaluate(questions, systems, args.top_k, progress=not args.quiet)
    written = write_outputs(result, args.out, str(args.questions), command)
    print("\n".join(systems_table(results_document(result, str(args.questions), command))))
    print()
    for label, path in written.items():
        print(f"{label}: {path}")
    return _gate(gate, result) if gate else 0


def _run_conflicts(args: argparse.Namespace, settings: Settings | None, encoder) -> int:
    """--conflicts: our pipeline's conflict recall and precision on a labelled conflict set."""
    from eval.conflicts import print_figures, run_conflicts
    from index.settings import get_settings

    if args.url:
        raise EvaluationError("--conflicts runs our pipeline in process; drop --url (a running service's /ask carries the same conflicts)")
    if not Path(args.conflicts).is_file():
        raise EvaluationError(f"no conflict set at {args.conflicts}; the repository's is eval/gold/conflicts.jsonl")
    settings = settings or get_settings()
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="inspectqa-eval-") as work:
        lab = _Lab(settings, encoder, Path(work), log)
        base_settings, index = lab.base_index()
        figures = run_conflicts(Path(args.conflicts), lab.answerer(base_settings, index), args.out, args.top_k)
    print_figures(figures)
    print(f"\ndetail: {Path(args.out) / 'conflicts.json'}")
    return 0


def run_conversations(args: argparse.Namespace, settings: Settings | None = None, encoder=None) -> int:
    """`--conversations FILE`: each conversation through 'ours' (in process, or --url), follow-ups beside their written-out form."""
    from eval import conversations as conv
    from eval.systems import HttpSystem, PipelineSystem
    from index.settings import get_settings

    if args.config or args.floors:
        raise EvaluationError("--conversations runs 'ours' alone: leave out --config and --floors")
    conversations = conv.load_conversations(args.conversations)
    settings = settings or get_settings()
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    parts = ["inspectqa", "eval", "--conversations", str(args.conversations), "--top-k", str(args.top_k)]
    parts += ["--url", args.url] if args.url else []
    command = " ".join(shlex.quote(p) for p in parts + ["--out", str(args.out)])
    with tempfile.TemporaryDirectory(prefix="inspectqa-eval-") as work:
        if args.url:
            system = HttpSystem("ours", args.url)
        else:
            lab = _Lab(settings, encoder, Path(work), log)
            base_settings, index = lab.base_index()
            system = PipelineSystem("ours", lab.answerer(base_settings, index), _describe(base_settings, index))
        system.ask("What did the inspectors find?", args.top_k)  # not timed: the first call pays for lazy loading
        turns = sum(len(c.turns) for c in conversations)
        log(f"{len(conversations)} conversations, {turns} turns, through {system.description}")
        results = conv.run_conversations(system, conversations, args.top_k, progress=not args.quiet)
    doc = conv.report(results, conversations, args.top_k)
    written = conv.write(doc, command, args.out)
    print(conv.render(doc, command))
    for label, path in written.items():
        print(f"{label}: {path}")
    return 0


def _floors_for(args: argparse.Namespace):
    """The gate of --floors, refused before the run when its floors were set on other questions."""
    from eval.gate import load_floors

    gate = load_floors(args.floors)
    if "ours" not in args.systems:
        raise EvaluationError("--floors checks the system 'ours': keep it in --systems")
    if not gate.questions.is_file() or gate.questions.read_bytes() != Path(args.questions).read_bytes():
        raise EvaluationError(f"the floors in {args.floors} were set on {gate.questions}; run with --questions {gate.questions}")
    if args.top_k != gate.top_k:
        raise EvaluationError(f"the floors in {args.floors} are for --top-k {gate.top_k}")
    return gate


def _gate(gate, result) -> int:
    from eval.gate import check_floors

    summaries = {s.name: s.summary for s in result.systems}
    failures = check_floors(gate, summaries["ours"], summaries.get("naive"))
    print()
    if failures:
        print("quality gate FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("quality gate passed: every figure of 'ours' is at or above its floor")
    return 0


def register(subparsers) -> None:
    """Add `eval` to the `inspectqa` command's subparsers."""
    default_questions = DEV_QUESTIONS if DEV_QUESTIONS.is_file() else None
    cmd = subparsers.add_parser(
        "eval",
        help="measure retrieval and answers against gold questions, beside two baselines",
        description="Put every question of a gold JSONL file to our pipeline (in process, or a running service with --url) "
        "and to two baselines (naive: the LangChain-tutorial pipeline on the raw files; bm25: BM25 alone on our passages), "
        "then write results.json (every figure and a per-question drill-down), report.md and PNG charts.",
        epilog="Example: inspectqa eval --config chunk_size=400,chunk_overlap=100 --config abstain_threshold=0.5",
    )
    cmd.add_argument(
        "--questions",
        type=Path,
        default=default_questions,
        help=f"JSONL gold questions (default: {default_questions or 'none found; required'})",
    )
    cmd.add_argument(
        "--config",
        action="append",
        metavar="NAME=VALUE[,...]",
        help="a variant of our pipeline with these settings, built into its own temporary index and reported as its own "
        "system; repeat to compare several (e.g. chunk_size=400,chunk_overlap=100)",
    )
    cmd.add_argument(
        "--conversations",
        type=Path,
        metavar="FILE",
        help="instead of --questions: run the multi-turn conversations in FILE (JSONL, e.g. eval/gold/conversations.jsonl) "
        "through /ask with their history, and compare each follow-up with its written-out form; development and held-out "
        "halves reported side by side (writes conversations.json and conversations.md to --out)",
    )
    cmd.add_argument("--url", help="evaluate 'ours' through a running service's POST /ask, e.g. http://127.0.0.1:8000")
    cmd.add_argument("--top-k", type=int, default=5, choices=range(1, 21), metavar="N", help="passages per question, 1-20 (default 5)")
    cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for results.json, report.md and charts (default: {DEFAULT_OUT})")
    cmd.add_argument(
        "--systems",
        type=_systems_list,
        default=list(SYSTEMS),
        metavar="LIST",
        help=f"comma-separated systems from {','.join(SYSTEMS)} (default: all); --config variants come on top",
    )
    cmd.add_argument(
        "--floors",
        type=Path,
        nargs="?",
        const=FLOORS_FILE,
        metavar="FILE",
        help="after the run, exit 1 if a figure of 'ours' is below its floor in FILE (default eval/floors.json), "
        "the quality gate `make test` runs",
    )
    cmd.add_argument(
        "--ablation",
        action="store_true",
        help="also run our pipeline once with each reason to decline (index/answer/policy.py CHECKS) switched off, "
        "one system per check: what each adds (the ablation table)",
    )
    cmd.add_argument("--quiet", action="store_true", help="no progress bar or build messages")
    cmd.add_argument(
        "--conflicts",
        type=Path,
        metavar="FILE",
        help="instead: score the conflicts /ask flags against a labelled conflict set (e.g. eval/gold/conflicts.jsonl): "
        "conflict recall and precision, written to OUT/conflicts.json",
    )
    cmd.set_defaults(func=run)
