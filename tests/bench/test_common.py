"""bench.common: figures become JSON lines, only when a run asks for them."""

from __future__ import annotations

import json

import pytest

from bench.common import (
    DOCS,
    FIGURES_ENV,
    RESULTS,
    SCRATCH,
    figure,
    percentile,
    results_paths,
)


def test_figure_appends_one_json_line_per_call(tmp_path, monkeypatch):
    out = tmp_path / "figures.jsonl"
    monkeypatch.setenv(FIGURES_ENV, str(out))

    figure(
        "search",
        "typo",
        samples=[float(n) for n in range(1, 101)],
        target="p95 <= 30 ms",
    )
    figure("import", "10k topics", value=34.5, unit="s")

    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "section": "search",
            "name": "typo",
            "unit": "ms",
            "p50": 50.0,
            "p95": 95.0,
            "n": 100,
            "target": "p95 <= 30 ms",
        },
        {"section": "import", "name": "10k topics", "unit": "s", "value": 34.5},
    ]


def test_figure_without_the_environment_variable_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(FIGURES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)

    figure("search", "plain", samples=[1.0, 2.0])

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"samples": [1.0], "value": 1.0}],
    ids=["neither", "both"],
)
def test_figure_takes_exactly_one_of_samples_or_value(kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        figure("search", "plain", **kwargs)


def test_figure_refuses_a_value_json_cannot_carry(tmp_path, monkeypatch):
    out = tmp_path / "figures.jsonl"
    monkeypatch.setenv(FIGURES_ENV, str(out))

    with pytest.raises(ValueError):
        figure("search", "plain", value=float("nan"))

    assert not out.exists()


def test_percentile_is_the_nearest_rank():
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(samples, 0.5) == 3.0
    assert percentile(samples, 0.95) == 5.0
    assert percentile(samples, 0.0) == 1.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


@pytest.mark.parametrize(
    ("environ", "official"),
    [
        ({}, True),
        ({"BENCH_QUICK": "1"}, False),
        ({"BENCH_ONLY": "search_bench"}, False),
    ],
    ids=["full", "quick", "partial"],
)
def test_only_a_full_run_writes_the_committed_results(monkeypatch, environ, official):
    for name in ("BENCH_QUICK", "BENCH_ONLY", "BENCH_RESULTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    results, docs = results_paths()

    assert (results == RESULTS and docs == DOCS) is official
    if not official:
        assert results.is_relative_to(SCRATCH) and docs.is_relative_to(SCRATCH)


def test_bench_results_names_another_results_file(monkeypatch, tmp_path):
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path / "mine.json"))

    assert results_paths()[0] == tmp_path / "mine.json"


def test_figure_refuses_a_section_that_cannot_name_a_marker():
    with pytest.raises(ValueError, match="not a slug"):
        figure("Search Bench", "plain", value=1.0)
