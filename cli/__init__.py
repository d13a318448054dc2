"""The `inspectqa` command line: one module per command, assembled in cli/main.py."""
