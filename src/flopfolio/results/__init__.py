"""Estimate results: what the CLI prints, the service serves and ``--explain`` derives."""
