"""Alembic migrations of the journal (`alphaloop.journal.migrate` runs them; no alembic.ini)."""
