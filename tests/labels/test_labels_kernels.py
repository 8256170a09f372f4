"""The label kernel against its naive twin (tests/naive.py), on buffers made to be hard:
ids that touch every border, single pixels, ids above ``max_id`` and ids with no pixel."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.labels.kernels import _instance_stats

from naive import instance_stats


def _compare(instance: np.ndarray, max_id: int) -> None:
    count, xmin, ymin, xmax, ymax = _instance_stats(instance, max_id)
    expected = instance_stats(instance, max_id)
    assert count[0] == 0  # background is never counted
    for k in range(1, max_id + 1):
        if k in expected:
            assert (count[k], xmin[k], ymin[k], xmax[k], ymax[k]) == expected[k], k
        else:
            assert count[k] == 0, k


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.uint16, st.tuples(st.integers(1, 40), st.integers(1, 60)), elements=st.integers(0, 12)
    ),
    st.integers(1, 12),
)
def test_instance_stats_matches_the_naive_twin(instance, max_id):
    _compare(instance, max_id)


def test_instance_stats_on_a_scene_like_buffer():
    """Objects overlapping in painter's order, one cut by the image border, one pixel wide."""
    instance = np.zeros((90, 160), dtype=np.uint16)
    instance[40:70, 0:30] = 3  # cut by the left border
    instance[50:80, 20:90] = 7  # in front of 3
    instance[10, 159] = 9  # one pixel in the top-right corner
    instance[89, 5:7] = 2  # bottom row
    instance[0:5, 100:101] = 65535  # above max_id: ignored, not an index error
    _compare(instance, 10)
    count, xmin, ymin, xmax, ymax = _instance_stats(instance, 10)
    assert (count[9], xmin[9], ymin[9], xmax[9], ymax[9]) == (1, 159, 10, 159, 10)
    # 7 hides columns 20..29 of rows 50..69 of 3 (200 of its 900 pixels), not its extent
    assert (count[3], xmin[3], ymin[3], xmax[3], ymax[3]) == (700, 0, 40, 29, 69)
