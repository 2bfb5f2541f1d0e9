"""Lockbox evaluations, kept in the study's own database next to Optuna's tables.

A row is written BEFORE the lockbox is read and completed after, so a crashed or abandoned look
still counts: the report shows how many times the lockbox was opened, by which trial, and what
it showed each time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

_METADATA = MetaData()
EVALUATIONS = Table(
    "alphaloop_lockbox_evaluations",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("study_name", String(128), nullable=False, index=True),
    Column("trial_number", Integer, nullable=False),
    # BigInteger: ms timestamps overflow PostgreSQL's 32-bit INTEGER.
    Column("started_ms", BigInteger, nullable=False),
    Column("finished_ms", BigInteger, nullable=True),
    #: JSON: the lockbox figures (None until finished).
    Column("figures", Text, nullable=True),
    Column("artifact", Text, nullable=True),
)


@dataclass(frozen=True, slots=True)
class Evaluation:
    id: int
    study_name: str
    trial_number: int
    started_ms: int
    finished_ms: int | None
    figures: dict[str, Any] | None
    artifact: str | None


class EvaluationStore:
    def __init__(self, url: str) -> None:
        self._engine: Engine = create_engine(url)
        _METADATA.create_all(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> EvaluationStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self, study_name: str, trial_number: int) -> int:
        with self._engine.begin() as conn:
            row = conn.execute(
                insert(EVALUATIONS).values(
                    study_name=study_name, trial_number=trial_number, started_ms=int(time.time() * 1000)
                )
            )
            return int(row.inserted_primary_key[0])  # type: ignore[index]

    def finish(self, evaluation_id: int, figures: dict[str, Any], artifact: str | None) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(EVALUATIONS)
                .where(EVALUATIONS.c.id == evaluation_id)
                .values(finished_ms=int(time.time() * 1000), figures=json.dumps(figures), artifact=artifact)
            )

    def list(self, study_name: str) -> list[Evaluation]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(EVALUATIONS).where(EVALUATIONS.c.study_name == study_name).order_by(EVALUATIONS.c.id)
            ).all()
        return [_evaluation(r) for r in rows]


def _evaluation(r: Any) -> Evaluation:
    figures = json.loads(r.figures) if r.figures else None
    return Evaluation(r.id, r.study_name, r.trial_number, r.started_ms, r.finished_ms, figures, r.artifact)
