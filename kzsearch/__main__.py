"""``python -m kzsearch`` is the ``kzsearch`` command."""

from kzsearch.cli import main

main(prog_name="kzsearch")
