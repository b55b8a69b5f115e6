"""The MeshAPI Python SDK (filled in by the SDK issue)."""

__version__ = "0.1.11"
