"""The public surface of alphaloop.risk, and its purity: it imports nothing of ours but the model."""

from __future__ import annotations

import ast
from pathlib import Path

import alphaloop.risk

CONTRACT = {
    "Baseline",
    "Denial",
    "OrderProposal",
    "RiskLimits",
    "RiskView",
    "Rule",
    "TradingState",
    "Transition",
    "check_order",
    "evaluate",
    "order_call_wait_ms",
    "update_baseline",
}


def test_the_contract_names_are_exported() -> None:
    assert set(alphaloop.risk.__all__) >= CONTRACT
    for name in alphaloop.risk.__all__:
        assert getattr(alphaloop.risk, name) is not None


def test_risk_imports_only_the_model_and_no_io() -> None:
    forbidden_stdlib = {"time", "os", "socket", "pathlib", "asyncio", "httpx", "sqlalchemy", "random", "io"}
    package = Path(alphaloop.risk.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in forbidden_stdlib, f"{source.name} imports {name}"
                if root == "alphaloop":
                    assert name.startswith(("alphaloop.model", "alphaloop.risk")), (
                        f"{source.name} imports {name}"
                    )
