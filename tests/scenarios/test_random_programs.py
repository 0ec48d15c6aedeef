"""Random programs from the whole op registry, first and second order, against finite differences.

The quick profile (2,000 programs) runs in ``make test``; ``make soak`` runs 20,000.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.random_programs import Program, check_program, programs

QUICK = settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SOAK = settings(max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck))


@QUICK
@given(programs())
def test_random_programs_quick(program: Program) -> None:
    check_program(program)


@pytest.mark.soak
@SOAK
@given(programs(max_steps=8))
def test_random_programs_soak(program: Program) -> None:
    check_program(program)
