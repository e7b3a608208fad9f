"""The reference workload computes the same thing every run, in any process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.reference import REFERENCE_CHECKSUM, reference_workload

ROOT = Path(__file__).resolve().parents[2]


def test_the_workload_is_deterministic_within_a_process():
    assert reference_workload(0.05) == reference_workload(0.05)


def test_the_workload_does_not_depend_on_string_hashing():
    code = "from bench.reference import reference_workload; print(reference_workload(0.05))"
    answers = {
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert answers == {str(reference_workload(0.05))}


@pytest.mark.slow
def test_the_full_workload_computes_its_recorded_checksum():
    # The constant pins the workload's meaning: changing what it computes
    # needs a new REFERENCE_VERSION, or old ratios stop comparing.
    assert reference_workload() == REFERENCE_CHECKSUM
