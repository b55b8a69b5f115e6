"""`python -m meshapi_mock …` is the `meshapi-mock` command."""

from .cli import run

run()
