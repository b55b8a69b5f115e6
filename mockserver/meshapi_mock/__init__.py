"""A scripted fake MeshAPI server."""
