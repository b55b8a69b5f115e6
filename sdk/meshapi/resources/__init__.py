"""One module per API area; each exposes a sync and an async resource with the same methods.

Module and class names are the official SDK's (``meshapi.resources.chat.ChatResource``...).
"""

from meshapi.resources.audio import AsyncAudioResource, AudioResource
from meshapi.resources.batches import AsyncBatchesResource, BatchesResource
from meshapi.resources.chat import (
    AsyncChat,
    AsyncChatResource,
    AsyncCompletions,
    AsyncCompletionsResource,
    Chat,
    ChatResource,
    Completions,
    CompletionsResource,
)
from meshapi.resources.compare import AsyncCompareResource, CompareResource
from meshapi.resources.embeddings import AsyncEmbeddingsResource, EmbeddingsResource
from meshapi.resources.images import AsyncImagesResource, ImagesResource
from meshapi.resources.models import AsyncModelsResource, ModelsResource
from meshapi.resources.moderations import AsyncModerationsResource, ModerationsResource
from meshapi.resources.rag import AsyncRagResource, RagResource
from meshapi.resources.realtime import (
    AsyncRealtimeResource,
    AsyncRealtimeSession,
    RealtimeError,
    RealtimeMessage,
    RealtimeResource,
    RealtimeSession,
)
from meshapi.resources.responses import AsyncResponsesResource, ResponsesResource
from meshapi.resources.router_select import AsyncRouterResource, RouterResource
from meshapi.resources.templates import AsyncTemplatesResource, TemplatesResource
from meshapi.resources.videos import AsyncVideosResource, VideosResource
from meshapi.resources.web_search import AsyncWebResource, WebResource

__all__ = [
    "AsyncAudioResource",
    "AsyncBatchesResource",
    "AsyncChat",
    "AsyncChatResource",
    "AsyncCompareResource",
    "AsyncCompletions",
    "AsyncCompletionsResource",
    "AsyncEmbeddingsResource",
    "AsyncImagesResource",
    "AsyncModelsResource",
    "AsyncModerationsResource",
    "AsyncRagResource",
    "AsyncRealtimeResource",
    "AsyncRealtimeSession",
    "AsyncResponsesResource",
    "AsyncRouterResource",
    "AsyncTemplatesResource",
    "AsyncVideosResource",
    "AsyncWebResource",
    "AudioResource",
    "BatchesResource",
    "Chat",
    "ChatResource",
    "CompareResource",
    "Completions",
    "CompletionsResource",
    "EmbeddingsResource",
    "ImagesResource",
    "ModelsResource",
    "ModerationsResource",
    "RagResource",
    "RealtimeError",
    "RealtimeMessage",
    "RealtimeResource",
    "RealtimeSession",
    "ResponsesResource",
    "RouterResource",
    "TemplatesResource",
    "VideosResource",
    "WebResource",
]
