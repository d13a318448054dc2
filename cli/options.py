"""What every command shares: the settings its flags override, and the epilog that says where settings come from."""

from __future__ import annotations

import argparse

from service.config import ServiceSettings, get_service_settings

EPILOG = """Settings come from INSPECTQA_* environment variables (see README); flags override them."""


def settings_for(args: argparse.Namespace) -> ServiceSettings:
    """The settings from the environment, with --corpus and --index (where the command has them) applied."""
    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = args.corpus
    if getattr(args, "index", None):
        overrides["index_dir"] = args.index
    settings = get_service_settings()
    return settings.model_copy(update=overrides) if overrides else settings
