"""Allow `python -m study.cli`."""

from study.cli import main

main()
