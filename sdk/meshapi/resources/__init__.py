"""One module per API area; each exposes a sync and an async resource with the same methods."""

from meshapi.resources.chat import AsyncChat, AsyncCompletions, Chat, Completions

__all__ = ["AsyncChat", "AsyncCompletions", "Chat", "Completions"]
