"""The apps the generated service is compared with, the launcher that serves them, and the
in-process split (`split.py`).

These modules run inside the generated project's own virtual environment (they need its
framework and server), with this repository's root on PYTHONPATH. `APISEED_BENCH_PACKAGE` names
the generated package, whose pydantic models and in-memory repository the plain apps reuse, so
that they do exactly the same work as the generated service.
"""

import importlib
import os
from types import ModuleType

PACKAGE_VARIABLE = "APISEED_BENCH_PACKAGE"
ITEMS_PATH = "/api/v1/items"


def generated_module(name: str) -> ModuleType:
    """A module of the generated package, e.g. `items.schemas`."""
    return importlib.import_module(f"{os.environ[PACKAGE_VARIABLE]}.{name}")
