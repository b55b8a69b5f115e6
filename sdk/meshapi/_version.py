"""Single source of the SDK version, sent on every request as ``X-MeshAPI-SDK``."""

__version__ = "0.1.11"
