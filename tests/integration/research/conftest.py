"""The journal tests' throwaway PostgreSQL server, for studies stored in PostgreSQL."""

from tests.integration.journal.conftest import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]
