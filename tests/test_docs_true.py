"""Issue 28 item 4: the README and the commands' own words say what the code does.

The settings table lists every setting of index/settings.py and service/config.py once, with the
default the class has; each command a message tells the reader to run exists with those flags;
no help text points at a page the service does not serve.
"""

import re
import shlex
from pathlib import Path

import pytest

from cli.main import build_parser
from service.config import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _settings_rows() -> list[tuple[list[str], list[str]]]:
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `INSPECTQA_"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows.append((re.findall(r"`(INSPECTQA_[A-Z0-9_]+)`", cells[0]), [d.strip() for d in cells[1].split(", ")]))
    return rows


def _shown(value) -> str:
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, Path):  # defaults are under the project folder, which the README writes "./"
        return f"./{value.relative_to(ROOT)}" if value.is_relative_to(ROOT) else str(value)
    return str(value)


def test_the_settings_table_lists_every_setting_once():
    names = [name for row, _ in _settings_rows() for name in row]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"listed twice in the README's settings table: {duplicates}"
    fields = {f"INSPECTQA_{name.upper()}" for name in ServiceSettings.model_fields}
    assert not fields - set(names), f"settings missing from the README's table: {sorted(fields - set(names))}"
    assert not set(names) - fields, f"README rows for no setting: {sorted(set(names) - fields)}"


def test_the_settings_table_gives_each_default_the_class_has():
    wrong = []
    for names, defaults in _settings_rows():
        for name, default in zip(names, defaults if len(defaults) == len(names) else [", ".join(defaults)] * len(names)):
            field = ServiceSettings.model_fields[name.removeprefix("INSPECTQA_").lower()]
            value = field.get_default(call_default_factory=True)
            said = default.strip("`")
            if said in ("(none)", "empty"):
                said = ""
            if said != _shown(value) and not (isinstance(value, float) and said and float(said) == value):
                wrong.append(f"{name}: README says {default}, the class {value!r}")
    assert not wrong, wrong


def test_no_format_table_appears_twice():
    headers = [line for line in README.splitlines() if line.startswith("| format | read with |")]
    assert len(headers) == 1, headers


SOURCES = [p for folder in ("cli", "service", "index", "eval") for p in (ROOT / folder).rglob("*.py")]


def _hinted_commands() -> set[str]:
    found = set()
    for path in SOURCES:
        found.update(re.findall(r"'(inspectqa [a-z][^']*)'", path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("command", sorted(_hinted_commands()))
def test_every_command_a_message_names_exists(command):
    argv = [("placeholder" if w.isupper() else w) for w in shlex.split(command)[1:]]
    build_parser().parse_args(argv)  # argparse exits (SystemExit) on an unknown command or flag


def test_no_help_text_points_at_the_switched_off_docs_pages():
    parser = build_parser()
    texts = []
    stack = [parser]
    while stack:
        p = stack.pop()
        texts += [p.description or "", p.epilog or ""]
        for action in p._actions:
            texts.append(action.help or "")
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                stack += list(action.choices.values())
    pointing = [t for t in texts if re.search(r"(?<![\w.])/(docs|redoc)\b", t)]
    assert not pointing, pointing
