"""`python -m apiseed`."""

from apiseed.cli import main

main(prog_name="apiseed")
