"""pytest plugin: a real fake MeshAPI server for the session, clean for every test.

Registered through the `pytest11` entry point; see `plugin` for the fixtures:
`meshapi_server`, `meshapi_mock`, `meshapi_client`, `async_meshapi_client`, `meshapi_env`.
"""

from .settings import TestSettings

__all__ = ["TestSettings"]
