"""``python -m zhengming`` runs the CLI."""

from zhengming.entrypoints.cli import main

main()
