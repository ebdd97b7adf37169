"""`python3 -m xlsheet …` works wherever the `xlsheet` script is not on PATH."""

from .cli import main

main(prog_name="xlsheet")
