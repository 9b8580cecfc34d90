"""Fixtures shared by the suites: a PostgreSQL server for the renders that use one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import PostgresServer, running_postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway server per test process (xdist worker); each user creates its database."""
    with running_postgres() as server:
        yield server
