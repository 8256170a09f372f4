"""Rendering: camera model, the pyrender colour backend, the Numba label rasterizer and the
scene meshes (road, roadside, signals) built from the road network."""
