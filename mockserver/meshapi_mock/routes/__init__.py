"""Per-endpoint routes: thin glue over auth, validation, scripting and rendering."""
