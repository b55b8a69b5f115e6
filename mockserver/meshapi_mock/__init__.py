"""meshapi-mock: a scripted fake MeshAPI server for offline tests.

from meshapi_mock import MockServer

with MockServer() as server:
    server.chat.reply("Paris")
    ...  # point any client at server.url
"""

from ._version import __version__
from .app import create_app
from .clock import Clock
from .config import ServerConfig
from .endpoints.chat.script import ChatScript
from .endpoints.chat.vocabulary import (
    MatchSpec,
    ReplySpec,
    StreamSpec,
    ToolCallSpec,
    UsageSpec,
)
from .endpoints.compare.script import CompareScript
from .endpoints.embeddings.script import EmbeddingsScript
from .endpoints.images.script import ImagesScript
from .endpoints.models import ModelsScript
from .endpoints.moderations import ModerationsScript
from .endpoints.responses.script import ResponsesScript
from .endpoints.router import RouterScript
from .endpoints.templates.script import TemplatesScript
from .endpoints.web_search import WebSearchScript
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
    "Clock",
    "CompareScript",
    "EmbeddingsScript",
    "ErrorSpec",
    "ImagesScript",
    "JournalEntry",
    "MatchSpec",
    "MeshError",
    "Mock",
    "MockServer",
    "MockState",
    "ModelsScript",
    "ModerationsScript",
    "ReplySpec",
    "ResponsesScript",
    "RouterScript",
    "Rule",
    "RuleSpec",
    "ScenarioError",
    "Script",
    "ServerConfig",
    "StreamSpec",
    "TemplatesScript",
    "TextMatch",
    "ToolCallSpec",
    "TruncatedBody",
    "UsageSpec",
    "WebSearchScript",
    "__version__",
    "create_app",
]
