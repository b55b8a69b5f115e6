"""Helpers shared by the test suites (on sys.path via pytest `pythonpath`)."""
