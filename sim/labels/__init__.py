"""Labels computed from the rendered buffers (pure numpy + one Numba pass)."""

from sim.labels.frame import ObjectLabel, SceneObject, label_frame, occlusion_level

__all__ = ["ObjectLabel", "SceneObject", "label_frame", "occlusion_level"]
