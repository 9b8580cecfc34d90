"""apiseed: generate ready-to-run Flask or FastAPI services and keep them up to date."""

__version__ = "0.1.0"
