"""LiDAR: spinning-sensor ray casting on the CPU over the scene's own triangles.

- :mod:`~sim.lidar.beams` -- elevation tables of the presets (HDL-64E, HDL-32E, VLP-16,
  OS1-128) and custom tables;
- :mod:`~sim.lidar.bvh` -- bounding-volume hierarchies as flat arrays (binned SAH, Numba);
- :mod:`~sim.lidar.kernels` -- the ray-casting kernel over them (Numba, parallel by column);
- :mod:`~sim.lidar.sweep` -- the sensor model (scan, motion, returns, noise, dropout,
  weather) and :func:`cast_sweep`, one sweep's point cloud;
- :mod:`~sim.lidar.reflectivity` -- near-infrared reflectivity per material and class;
- :mod:`~sim.lidar.motion` -- poses between physics steps;
- :mod:`~sim.lidar.boxes` -- points inside moving 3D boxes (``num_lidar_pts``);
- :mod:`~sim.lidar.rig` -- an episode's LiDARs over a simulated trajectory;
- :mod:`~sim.lidar.semantickitti` -- sim's classes as SemanticKITTI label ids.

See docs/lidar.md.
"""

from sim.lidar.beams import PRESETS, elevation_table
from sim.lidar.motion import interpolate_poses
from sim.lidar.sweep import (
    Atmosphere,
    LidarModel,
    LidarScene,
    PointCloud,
    SweepAgent,
    cast_sweep,
)

__all__ = [
    "PRESETS",
    "Atmosphere",
    "LidarModel",
    "LidarScene",
    "PointCloud",
    "SweepAgent",
    "cast_sweep",
    "elevation_table",
    "interpolate_poses",
]
