"""The evaluation's own error: it belongs to the harness, not to the index."""

from index.errors import InspectQAError


class EvaluationError(InspectQAError):
    """The evaluation cannot run: a malformed questions file, a bad --config, an unreachable server."""
