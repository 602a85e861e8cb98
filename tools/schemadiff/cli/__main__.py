"""`python -m schemadiff.cli`: the command line."""

from . import main

main()
