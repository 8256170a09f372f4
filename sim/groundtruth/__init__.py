"""Ground truth cameras alone cannot give, from the scene's exact geometry and motion: forward
optical flow (:mod:`~sim.groundtruth.flow`), bird's-eye-view grids and a voxel occupancy
grid (:mod:`~sim.groundtruth.bev`), and lane lines in 3D and in each camera
(:mod:`~sim.groundtruth.lanes`). Pure numpy and Numba, beside sim.render and sim.labels;
docs/ground_truth.md gives the formats and conventions.
"""
