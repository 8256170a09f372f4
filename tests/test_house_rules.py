"""House rules that no linter checks: the size of a module a newcomer has to read."""

from __future__ import annotations

from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
MAX_LINES = 600


def test_no_module_in_sim_is_longer_than_600_lines():
    long = {
        str(path.relative_to(SIM)): n
        for path in sorted(SIM.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by concern (docs/architecture.md): {long}"


def test_the_rule_sees_the_package():
    assert len(list(SIM.rglob("*.py"))) > 100
