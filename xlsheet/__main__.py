"""`python3 -m xlsheet …` works wherever the `xlsheet` script is not on PATH."""

from .cli import main

if __name__ == "__main__":  # a worker process started by spawn (Windows) imports this module again
    main(prog_name="xlsheet")
