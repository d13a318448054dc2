"""The few domain errors. The service turns them into HTTP answers at its edge."""


class InspectQAError(Exception):
    """Base class: the message always says what to do next."""


class CorpusError(InspectQAError):
    """The corpus folder or its documents.yaml is missing or malformed."""


class IndexNotBuilt(InspectQAError):
    """No index at the configured path."""


class IndexCorrupt(InspectQAError):
    """Index files are missing, truncated or inconsistent."""


class ManifestMismatch(InspectQAError):
    """The index was built with settings other than the running ones."""


class ModelUnavailable(InspectQAError):
    """The embedding model cannot be loaded from local files."""


class UnknownDocument(InspectQAError):
    """A doc_id that the index does not hold."""


class EvaluationError(InspectQAError):
    """The evaluation cannot run: a malformed questions file, a bad --config, an unreachable server."""


class UnsupportedDocument(InspectQAError):
    """A file that cannot be ingested: unknown type, encrypted, corrupt, or without extractable text."""
