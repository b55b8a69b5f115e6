"""meshapi-mock: a scripted fake MeshAPI server for offline tests.

from meshapi_mock import MockServer

with MockServer() as server:
    server.chat.reply("Paris")
    ...  # point any client at server.url
"""

from ._version import __version__
from .app import create_app
from .config import ServerConfig
from .errors import MeshError
from .handle import Mock
from .journal import JournalEntry
from .runner import MockServer
from .scripting.dsl import ChatScript
from .scripting.rulebook import Rule
from .scripting.scenarios import ScenarioError
from .scripting.spec import (
    ErrorSpec,
    MatchSpec,
    ReplySpec,
    RuleSpec,
    StreamSpec,
    TextMatch,
    ToolCallSpec,
    UsageSpec,
)
from .state import MockState

__all__ = [
    "ChatScript",
    "ErrorSpec",
    "JournalEntry",
    "MatchSpec",
    "MeshError",
    "Mock",
    "MockServer",
    "MockState",
    "ReplySpec",
    "Rule",
    "RuleSpec",
    "ScenarioError",
    "ServerConfig",
    "StreamSpec",
    "TextMatch",
    "ToolCallSpec",
    "UsageSpec",
    "__version__",
    "create_app",
]
