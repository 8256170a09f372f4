"""Agent-based traffic engine: struct-of-arrays state, Numba kernels, scripted maneuvers."""
