"""The FastAPI service and the `inspectqa` command line."""
