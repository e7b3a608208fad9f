"""bench/report.py: tables from a results file, prose left alone."""

from __future__ import annotations

import json

import pytest

from bench import report

REFERENCE_S = 2.0


def _run(section, name, run, **numbers):
    return {"section": section, "name": name, "script": "x", "run": run, **numbers}


def results_fixture(**extra) -> dict:
    figures = [
        # Three runs of a sampled figure, listed out of order.
        _run("planner-core", "typical track", 1, unit="ms", p50=5.4, p95=9.6, n=60,
             target="p95 <= 10 ms"),
        _run("planner-core", "typical track", 2, unit="ms", p50=5.2, p95=8.8, n=60,
             target="p95 <= 10 ms"),
        _run("planner-core", "typical track", 3, unit="ms", p50=5.5, p95=9.1, n=60,
             target="p95 <= 10 ms"),
        _run("planner-core", "whole catalog", 1, unit="ms", p50=280.0, p95=340.0, n=12,
             target="p95 <= 300 ms"),
        _run("planner-core", "whole catalog", 2, unit="ms", p50=260.0, p95=310.0, n=12,
             target="p95 <= 300 ms"),
        _run("planner-core", "whole catalog", 3, unit="ms", p50=290.0, p95=355.0, n=12,
             target="p95 <= 300 ms"),
        _run("import", "10k topics into an empty catalog", 1, unit="s", value=28.0,
             target="<= 30 s"),
        _run("import", "10k topics into an empty catalog", 2, unit="s", value=31.0,
             target="<= 30 s"),
        _run("import", "10k topics into an empty catalog", 3, unit="s", value=29.5,
             target="<= 30 s"),
        _run("scale", "snapshot memory, 10,000 topics", 1, unit="MiB", value=110.0),
        _run("scale", "worker base memory, no snapshot", 1, unit="MiB", value=140.0),
        _run("planner-db", "store the roadmap (job_execute store step)", 1, unit="ms",
             p50=30.0, p95=45.0, n=60),
        _run("planner-db", "whole job, warm snapshot", 1, unit="ms", p50=80.0,
             p95=120.0, n=60),
        _run("odd", "a section without a marker", 1, unit="ms", value=1.0),
        _run("odd", "SQL queries", 1, unit="queries", value=5.0),
    ]  # fmt: skip
    return {
        "date": "2026-12-06 20:00",
        "git_commit": "abc123",
        "git_dirty": False,
        "runs": 3,
        "quick": False,
        "total_s": 1500.0,
        "durations_s": {"planner_domain": [60.0, 66.0, 54.0], "search_bench": [90.0]},
        "machine": {
            "cpu_model": "Test CPU",
            "cores": 2,
            "ram_gib": 23.4,
            "python": "CPython 3.11.2",
            "postgresql": "15.8",
            "load_average": {"before": 0.5, "after": 1.25},
        },
        "reference": {
            "version": 1,
            "before_s": [2.1, 1.9],
            "after_s": [2.0, 2.2],
            "cpu_s": [1.8, 1.8, 1.9, 1.9],
            "median_s": REFERENCE_S,
        },
        "figures": figures,
        "failed": [],
        **extra,
    }


PAGE = """# Performance

Hand-written introduction, kept as it is.

<!-- bench:machine -->
stale machine table
<!-- /bench -->

## Planner core

Prose before the table: typical track p95 9.1 ms (2026-12-06, test machine).

<!-- bench:planner-core -->
| stale | table |
<!-- /bench -->

Prose after the table.

<!-- bench:import -->
<!-- /bench -->

<!-- bench:search -->
old search table
<!-- /bench -->

<!-- bench:scale -->
<!-- /bench -->

<!-- bench:other -->
<!-- /bench -->

The end.
"""


def test_summarize_picks_the_median_run_and_the_spread():
    records = [r for r in results_fixture()["figures"] if r["name"] == "typical track"]

    summary = report.summarize(records)

    # The run whose p95 is the median (9.1) gives both p50 and p95.
    assert (summary.p50, summary.p95, summary.n) == (5.5, 9.1, 60)
    assert (summary.low, summary.high, summary.runs) == (8.8, 9.6, 3)
    assert summary.target == "p95 <= 10 ms"


def test_summarize_of_an_even_count_is_the_lower_median_run():
    records = [
        _run("s", "f", n, unit="s", value=value)
        for n, value in enumerate([4.0, 1.0, 3.0, 2.0], start=1)
    ]

    summary = report.summarize(records)

    assert summary.value == 2.0
    assert (summary.low, summary.high) == (1.0, 4.0)


def test_render_writes_the_expected_tables():
    page, unplaced = report.render(results_fixture(), PAGE)

    assert unplaced == []
    assert (
        "<!-- bench:planner-core -->\n"
        "| figure | p50 (or value) | p95 | ÷ reference | spread over runs | target | |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| typical track (n=60) | 5.50 ms | 9.10 ms | 0.00455 | 8.80-9.60 ms (3) "
        "| p95 <= 10 ms | met |\n"
        "| whole catalog (n=12) | 280 ms | 340 ms | 0.17 | 310-355 ms (3) "
        "| p95 <= 300 ms | **missed** |\n"
        "<!-- /bench -->"
    ) in page
    assert (
        "| 10k topics into an empty catalog | 29.5 s |  | 14.8 | 28.0-31.0 s (3) "
        "| <= 30 s | met |"
    ) in page
    assert "| CPU | Test CPU, 2 cores |" in page
    assert (
        "| duration | 25 min (planner_domain 3.0 min, search_bench 1.5 min) |" in page
    )
    assert "| reference workload v1, median | **2.00 s** |" in page
    assert "| reference runs before / after | 2.10, 1.90 s / 2.00, 2.20 s |" in page
    assert "<!-- bench:search -->\n_Not measured in this run._\n<!-- /bench -->" in page
    other = page.split("<!-- bench:other -->")[1]
    assert other.startswith("\n**planner-db**\n")
    assert "\n**odd**\n" in other
    assert "| SQL queries | 5 queries |  |  | 5 queries (1) |  |  |" in other


def test_render_leaves_the_prose_alone():
    page, _ = report.render(results_fixture(), PAGE)

    outside = report.MARKER.sub("", page)
    assert outside == report.MARKER.sub("", PAGE)
    assert "stale" not in page
    assert page.endswith("The end.\n")


def test_render_is_stable_when_run_twice():
    once, _ = report.render(results_fixture(), PAGE)
    twice, _ = report.render(results_fixture(), once)

    assert twice == once


def test_scale_table_sizes_workers_from_the_job_figure():
    page, _ = report.render(results_fixture(), PAGE)
    scale = page.split("<!-- bench:scale -->")[1].split("<!-- /bench -->")[0]

    assert "| 10,000 | 110 | 250 |" in scale
    # The whole job's p95 (120 ms), not its store step's; a worker busy half
    # the time plans 250 a minute.
    assert 'From "whole job, warm snapshot" p95 120 ms' in scale
    assert "plans 250 per minute" in scale
    assert "| 600 | 3 |" in scale
    assert "| 3,000 | 12 |" in scale


def test_a_smoke_run_says_so_above_each_table():
    page, _ = report.render(results_fixture(quick=True), PAGE)

    table = page.split("<!-- bench:planner-core -->")[1]
    assert table.startswith("\n_Smoke run (`BENCH_QUICK=1`)")


def test_sections_without_a_marker_are_named_when_there_is_no_other():
    page = PAGE.replace("<!-- bench:other -->\n<!-- /bench -->\n", "")

    _, unplaced = report.render(results_fixture(), page)

    assert unplaced == ["planner-db", "odd"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("p95 <= 10 ms", "met"),
        ("p95 < 9.1 ms", "**missed**"),
        ("p50 <= 5.5 ms", "met"),
        ("p95 <= 0.01 s", "met"),
        ("<= 9 ms", "**missed**"),
        ("fast enough", "?"),
        ("p95 <= 10 ms for a typical track", "met"),
        ("p95 <= 10 MiB", "?"),
    ],
)
def test_verdict_reads_the_target(target, expected):
    records = [
        {**r, "target": target}
        for r in results_fixture()["figures"]
        if r["name"] == "typical track"
    ]

    assert report.verdict(report.summarize(records)) == expected


def test_main_rewrites_the_page_from_a_results_file(tmp_path, monkeypatch, capsys):
    results = tmp_path / "latest.json"
    results.write_text(json.dumps(results_fixture()), encoding="utf-8")
    docs = tmp_path / "performance.md"
    docs.write_text(PAGE, encoding="utf-8")
    argv = ["report.py", "--results", str(results), "--docs", str(docs)]
    monkeypatch.setattr("sys.argv", [*argv, "--source", str(docs)])

    assert report.main() == 0

    assert "| typical track (n=60) | 5.50 ms |" in docs.read_text(encoding="utf-8")


def test_main_names_a_broken_results_file(tmp_path, monkeypatch, capsys):
    results = tmp_path / "latest.json"
    results.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["report.py", "--results", str(results)])

    assert report.main() == 1
    assert "latest.json is not JSON" in capsys.readouterr().err
