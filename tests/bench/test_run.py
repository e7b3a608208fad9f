"""bench/run.py: how many runs, which benchmarks, and the figures gathered."""

from __future__ import annotations

import os

import pytest

from bench import run

SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from bench.common import figure
figure("demo", "twice", samples=[1.0, 2.0, 3.0], target="p95 <= 5 ms")
figure("demo", "once", value=7.0, unit="s")
sys.exit({code})
"""


@pytest.mark.parametrize(("text", "message"), [("0", "at least 1"), ("x", "whole")])
def test_bench_runs_must_be_a_positive_whole_number(monkeypatch, text, message):
    monkeypatch.setenv("BENCH_RUNS", text)

    with pytest.raises(SystemExit, match=message):
        run.runs_wanted()


def test_bench_runs_defaults_to_three(monkeypatch):
    monkeypatch.delenv("BENCH_RUNS", raising=False)

    assert run.runs_wanted() == 3


def test_bench_only_names_the_unknown_benchmark(monkeypatch):
    monkeypatch.setenv("BENCH_ONLY", "search_bench,serch")

    with pytest.raises(SystemExit, match="unknown benchmarks: serch"):
        run.selected()


def test_bench_only_keeps_the_named_benchmarks_in_order(monkeypatch):
    monkeypatch.setenv("BENCH_ONLY", "search_bench,planner_domain")

    assert [name for name, _title, _args in run.selected()] == [
        "planner_domain",
        "search_bench",
    ]


def test_run_once_gathers_what_the_script_recorded(tmp_path):
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT.format(root=str(run.ROOT), code=0), encoding="utf-8")

    ok, figures = run.run_once(script, [], dict(os.environ))

    assert ok
    assert [(f["name"], f.get("p95"), f.get("value")) for f in figures] == [
        ("twice", 3.0, None),
        ("once", None, 7.0),
    ]


def test_run_once_reports_a_failing_script(tmp_path):
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT.format(root=str(run.ROOT), code=3), encoding="utf-8")

    ok, figures = run.run_once(script, [], dict(os.environ))

    assert not ok
    assert len(figures) == 2
