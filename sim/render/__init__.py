"""Rendering: camera model, the pyrender colour backend, the Numba label rasterizer, the
scene meshes (road, roadside, signals) built from the road network, and the sensor effects
applied to the rendered image (:mod:`sim.render.effects`)."""
