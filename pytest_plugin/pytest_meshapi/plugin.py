"""pytest11 entry point; the fixtures arrive with the plugin issue."""
