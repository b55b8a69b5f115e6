"""meshapi-mock: a scripted fake MeshAPI server for offline tests.

from meshapi_mock import MockServer

with MockServer() as server:
    server.chat.reply("Paris")
    ...  # point any client at server.url
"""

from ._version import __version__
from .app import create_app
from .config import ServerConfig
from .endpoints.chat.script import ChatScript
from .endpoints.chat.vocabulary import (
    MatchSpec,
    ReplySpec,
    StreamSpec,
    ToolCallSpec,
    UsageSpec,
)
from .errors import MeshError
from .journal import JournalEntry, TruncatedBody
from .mock import Mock
from .runner import MockServer
from .scripting.rulebook import Rule
from .scripting.scenarios import ScenarioError
from .scripting.script import Script
from .scripting.spec import BaseMatch, BaseReply, ErrorSpec, RuleSpec, TextMatch
from .state import MockState

__all__ = [
    "BaseMatch",
    "BaseReply",
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
    "Script",
    "ServerConfig",
    "StreamSpec",
    "TextMatch",
    "ToolCallSpec",
    "TruncatedBody",
    "UsageSpec",
    "__version__",
    "create_app",
]
