"""Turning replies into bytes: JSON bodies, SSE chunks, tool-call fragments."""
