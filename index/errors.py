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


class UnsupportedDocument(InspectQAError):
    """A file that cannot be ingested: unknown type, encrypted, corrupt, or without extractable text."""


class DocumentNotFound(UnknownDocument):
    """The document a change names (e.g. a removal) is not in the corpus."""


class CorpusConflict(CorpusError):
    """A corpus change that would leave it inconsistent: removing the last document, an entry that cannot be edited."""


class DuplicateDocument(CorpusError):
    """A document whose text is already in the corpus."""
