"""The README's Python example runs as written (on the tiny data instead of data/synthetic)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tiny_paths, capsys) -> None:
    text = README.read_text()
    block = re.search(r"## Python\n\n```python\n(.*?)```", text, re.S)
    assert block is not None, "the README lost its Python example"
    code = block.group(1).replace("data/synthetic/", f"{tiny_paths.features.parent}/")
    exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    rmsse, coverage, vs_oracle = (float(v) for v in printed[0].split())
    assert rmsse > 0 and 0 <= coverage <= 1 and vs_oracle > 0
    assert "xgboost_quantile" in printed[1]
