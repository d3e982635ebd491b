"""Hypothesis settings for the property tests (imported by each property module; conftest is shared).

`ci` (the default) runs 200 examples per property with no deadline (the machines are shared and
Pillow's timings vary); `HYPOTHESIS_PROFILE=quick` runs 25 for a fast local loop. No example
database is written into the repository.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "quick", max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
