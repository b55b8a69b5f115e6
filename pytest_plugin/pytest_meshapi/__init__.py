"""pytest plugin that runs the meshapi-mock fake for a test session."""
