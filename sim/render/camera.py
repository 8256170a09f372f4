"""Pinhole camera model (pure numpy) and the one place where frame conventions convert.

Conventions (docs/output-format.md):
- Camera frame is OpenCV: x right, y down, z forward (as KITTI uses).
- Pixel coordinates (u, v): u to the right, v down, **pixel centres at integer values**
  (pixel column j covers u in [j - 0.5, j + 0.5)), as OpenCV's K assumes.
- ``T_ego_cam`` (4x4) maps camera-frame points to the ego frame (it is the camera's pose
  in the ego frame). The ego frame is x forward, y left, z up, origin at the bottom centre
  of the ego's bounding box.
- pyrender/OpenGL cameras look down -z with y up, and put pixel centres at half-integers:
  :func:`gl_pose` and :meth:`CameraModel.gl_intrinsics` convert.
- Lens distortion (:class:`Lens`) acts on normalised image coordinates (x/z, y/z) between
  the camera frame and K, with OpenCV's equations and coefficient order: ``brown_conrady``
  is ``cv2.projectPoints`` with distCoeffs (k1, k2, p1, p2, k3); ``fisheye`` is
  ``cv2.fisheye.projectPoints`` (equidistant, k1..k4). ``pinhole`` is no distortion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.render.lights import SHADOW_MAP_SIZE

SHADOW_MAP_SIZES = (512, 1024, 2048, 4096)
"""Texels per side a camera's ``shadow_map`` may ask for (:data:`SHADOW_MAP_SIZE`, 2048,
unless set)."""

# Rotation from a "body" frame (x forward, y left, z up) to the OpenCV camera axes:
# columns are the camera x, y, z axes expressed in the body frame.
R_BODY_CV = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])

# OpenCV camera axes -> OpenGL camera axes (flip y and z).
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def rotation_zyx(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """R = Rz(yaw) @ Ry(pitch) @ Rx(roll), angles in radians, right-handed, z up.

    With x forward, a positive pitch turns the forward axis downwards; a positive yaw turns
    it to the left.
    """
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


def mount_transform(
    x: float, y: float, z: float, yaw: float, pitch: float, roll: float
) -> np.ndarray:
    """``T_ego_cam`` (4x4) of a camera mounted at (x, y, z) [m] with yaw/pitch/roll [rad].

    With all angles zero the camera looks along the ego's +x axis, image right = ego -y.
    """
    T = np.eye(4)
    T[:3, :3] = rotation_zyx(yaw, pitch, roll) @ R_BODY_CV
    T[:3, 3] = (x, y, z)
    return T


def pose_matrix(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    """4x4 pose of a body at (x, y, z) [m] with heading ``yaw`` [rad] about +z."""
    c, s = math.cos(yaw), math.sin(yaw)
    T = np.eye(4)
    T[:2, :2] = ((c, -s), (s, c))
    T[:3, 3] = (x, y, z)
    return T


def invert_rigid(T: np.ndarray) -> np.ndarray:
    """Inverse of a rigid 4x4 transform."""
    R = T[:3, :3]
    out = np.eye(4)
    out[:3, :3] = R.T
    out[:3, 3] = -R.T @ T[:3, 3]
    return out


def gl_pose(T_world_cam: np.ndarray) -> np.ndarray:
    """pyrender camera node pose from the OpenCV camera pose in the world."""
    return T_world_cam @ CV_TO_GL


LENS_MODELS = ("pinhole", "brown_conrady", "fisheye")
R_CAP = 6.0
"""Largest undistorted radius (x/z, y/z) a Brown-Conrady lens is evaluated at (80.5 deg)."""
THETA_CAP = math.radians(179.0)
"""Largest ray angle off the optical axis a fisheye lens is evaluated at."""
MIN_SLOPE = 0.05
"""A lens's radial mapping counts as valid while its slope stays above this."""


@dataclass(frozen=True)
class Lens:
    """Lens distortion with OpenCV's equations (see the module docstring).

    ``brown_conrady``: r^2 = x^2 + y^2, radial = 1 + k1 r^2 + k2 r^4 + k3 r^6,
    x_d = x radial + 2 p1 x y + p2 (r^2 + 2 x^2), y_d = y radial + p1 (r^2 + 2 y^2) + 2 p2 x y.
    ``fisheye``: theta = atan(r), theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6
    + k4 theta^8), (x_d, y_d) = theta_d / r (x, y).

    A polynomial lens model is only meaningful where its radial mapping still increases:
    beyond ``limit`` (undistorted radius for Brown-Conrady, ray angle for fisheye) it would
    fold back, so :meth:`distort_rays` clamps rays there (they land outside the image).
    """

    model: str = "pinhole"
    k1: float = 0.0
    k2: float = 0.0
    k3: float = 0.0
    k4: float = 0.0
    p1: float = 0.0
    p2: float = 0.0

    def __post_init__(self) -> None:
        if self.model not in LENS_MODELS:
            raise ValueError(f"lens model must be one of {LENS_MODELS}, got {self.model!r}")
        if self.model == "brown_conrady" and self.k4 != 0.0:
            raise ValueError("a brown_conrady lens has no k4 (k1, k2, k3, p1, p2)")
        if self.model == "fisheye" and (self.p1 != 0.0 or self.p2 != 0.0):
            raise ValueError("a fisheye lens has no p1, p2 (k1..k4)")
        if self.model == "pinhole" and any(self.coefficients_all()):
            raise ValueError("a pinhole lens has no distortion coefficients")

    def coefficients_all(self) -> tuple[float, ...]:
        return (self.k1, self.k2, self.k3, self.k4, self.p1, self.p2)

    @property
    def is_pinhole(self) -> bool:
        return self.model == "pinhole"

    @property
    def opencv(self) -> tuple[float, ...]:
        """OpenCV's coefficient vector: (k1, k2, p1, p2, k3) for ``cv2.projectPoints``,
        (k1, k2, k3, k4) for ``cv2.fisheye``, () for a pinhole."""
        if self.model == "brown_conrady":
            return (self.k1, self.k2, self.p1, self.p2, self.k3)
        if self.model == "fisheye":
            return (self.k1, self.k2, self.k3, self.k4)
        return ()

    def to_meta(self) -> dict:
        names = (
            ("k1", "k2", "p1", "p2", "k3")
            if self.model == "brown_conrady"
            else ("k1", "k2", "k3", "k4")
        )
        out: dict = {"model": self.model}
        if not self.is_pinhole:
            out.update({n: round(float(getattr(self, n)), 12) for n in names})
            out["opencv"] = [round(float(v), 12) for v in self.opencv]
        return out

    @cached_property
    def limit(self) -> float:
        """Where the radial mapping stops increasing (slope below ``MIN_SLOPE``): the
        undistorted radius for Brown-Conrady (at most ``R_CAP``), the ray angle [rad] for
        fisheye (at most ``THETA_CAP``); inf for a pinhole."""
        if self.model == "pinhole":
            return math.inf
        if self.model == "brown_conrady":
            r = np.linspace(0.0, R_CAP, 60001)
            r2 = r * r
            slope = 1 + r2 * (3 * self.k1 + r2 * (5 * self.k2 + r2 * 7 * self.k3))
        else:
            r = np.linspace(0.0, THETA_CAP, 60001)
            t2 = r * r
            slope = 1 + t2 * (
                3 * self.k1 + t2 * (5 * self.k2 + t2 * (7 * self.k3 + t2 * 9 * self.k4))
            )
        bad = np.flatnonzero(slope < MIN_SLOPE)
        return float(r[bad[0] - 1]) if bad.size else float(r[-1])

    def distort(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Undistorted normalised coordinates (x/z, y/z) -> distorted, OpenCV's equations
        exactly (no clamping; see :meth:`distort_rays`)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if self.model == "pinhole":
            return x, y
        r2 = x * x + y * y
        if self.model == "brown_conrady":
            radial = 1 + r2 * (self.k1 + r2 * (self.k2 + r2 * self.k3))
            xy = x * y
            xd = x * radial + 2 * self.p1 * xy + self.p2 * (r2 + 2 * x * x)
            yd = y * radial + self.p1 * (r2 + 2 * y * y) + 2 * self.p2 * xy
            return xd, yd
        r = np.sqrt(r2)
        theta = np.arctan(r)
        scale = self._fisheye_scale(theta, r)
        return x * scale, y * scale

    def _theta_d(self, theta: np.ndarray) -> np.ndarray:
        t2 = theta * theta
        return theta * (1 + t2 * (self.k1 + t2 * (self.k2 + t2 * (self.k3 + t2 * self.k4))))

    def _fisheye_scale(self, theta: np.ndarray, r: np.ndarray) -> np.ndarray:
        """theta_d / r, with its limit 1 at r = 0."""
        safe = np.where(r > 1e-12, r, 1.0)
        return np.where(r > 1e-12, self._theta_d(theta) / safe, 1.0)

    def distort_rays(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) camera-frame points -> distorted normalised coordinates. Brown-Conrady
        needs z > 0; fisheye takes any direction (theta = atan2(|xy|, z)). Rays beyond
        :attr:`limit` are clamped to it (direction kept), so they land outside the image
        instead of folding back into it."""
        p = np.asarray(points, dtype=np.float64)
        x, y, z = p[:, 0], p[:, 1], p[:, 2]
        if self.model == "fisheye":
            rho = np.hypot(x, y)
            theta = np.minimum(np.arctan2(rho, z), self.limit)
            safe = np.where(rho > 1e-300, rho, 1.0)
            theta_d = self._theta_d(theta)
            return (
                np.where(rho > 1e-300, x / safe * theta_d, 0.0),
                np.where(rho > 1e-300, y / safe * theta_d, 0.0),
            )
        a, b = x / z, y / z
        if self.model == "brown_conrady":
            r = np.hypot(a, b)
            shrink = np.where(r > self.limit, self.limit / np.where(r > 0, r, 1.0), 1.0)
            a, b = a * shrink, b * shrink
        return self.distort(a, b)

    def undistort(
        self, xd: np.ndarray, yd: np.ndarray, iterations: int = 30
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distorted normalised coordinates -> undistorted (x/z, y/z), by Newton's method
        (vectorised). Points with no valid inverse (beyond :attr:`limit`, or a fisheye ray
        at 90 deg or more) come back NaN."""
        xd = np.asarray(xd, dtype=np.float64)
        yd = np.asarray(yd, dtype=np.float64)
        if self.model == "pinhole":
            return xd, yd
        if self.model == "fisheye":
            rd = np.hypot(xd, yd)
            theta = np.minimum(rd, self.limit)
            for _ in range(iterations):
                t2 = theta * theta
                f = self._theta_d(theta) - rd
                df = 1 + t2 * (
                    3 * self.k1 + t2 * (5 * self.k2 + t2 * (7 * self.k3 + t2 * 9 * self.k4))
                )
                theta = np.clip(theta - f / np.maximum(df, MIN_SLOPE), 0.0, self.limit)
            ok = (np.abs(self._theta_d(theta) - rd) < 1e-9) & (theta < math.pi / 2 - 1e-9)
            r = np.tan(np.where(ok, theta, 0.0))
            scale = np.where(rd > 1e-12, r / np.where(rd > 1e-12, rd, 1.0), 1.0)
            return np.where(ok, xd * scale, np.nan), np.where(ok, yd * scale, np.nan)
        x, y = xd.copy(), yd.copy()
        k1, k2, k3, p1, p2 = self.k1, self.k2, self.k3, self.p1, self.p2
        for _ in range(iterations):
            r2 = x * x + y * y
            radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
            dradial = k1 + r2 * (2 * k2 + r2 * 3 * k3)  # d radial / d r^2
            ex, ey = self.distort(x, y)
            ex, ey = ex - xd, ey - yd
            j11 = radial + 2 * x * x * dradial + 2 * p1 * y + 6 * p2 * x
            j22 = radial + 2 * y * y * dradial + 6 * p1 * y + 2 * p2 * x
            j12 = 2 * x * y * dradial + 2 * p1 * x + 2 * p2 * y
            det = j11 * j22 - j12 * j12
            det = np.where(np.abs(det) > 1e-12, det, 1e-12)
            x = x - (j22 * ex - j12 * ey) / det
            y = y - (j11 * ey - j12 * ex) / det
            over = np.hypot(x, y) > self.limit
            if over.any():  # keep Newton inside the valid domain
                s = self.limit / np.hypot(x[over], y[over])
                x[over] *= s
                y[over] *= s
        ex, ey = self.distort(x, y)
        ok = (np.hypot(ex - xd, ey - yd) < 1e-9) & (np.hypot(x, y) < self.limit)
        return np.where(ok, x, np.nan), np.where(ok, y, np.nan)


PINHOLE = Lens()


@dataclass(frozen=True)
class CameraModel:
    """One camera. Intrinsics in pixels (OpenCV convention), extrinsics in metres, and its
    lens distortion (``lens``; default a perfect pinhole)."""

    name: str
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    T_ego_cam: np.ndarray
    rate: float = 10.0
    znear: float = 0.3
    zfar: float = 1000.0
    lens: Lens = PINHOLE
    msaa: int = 4  # multisample anti-aliasing samples of the colour pass (0: none)
    aa: str = "none"  # post-filter on the composed colour image: "none" or "fxaa"
    shadow_map: int = SHADOW_MAP_SIZE  # texels per side of the sun's shadow map fitted to this view

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"camera {self.name!r}: resolution must be positive")
        if self.fx <= 0 or self.fy <= 0:
            raise ValueError(f"camera {self.name!r}: focal lengths must be positive")
        if not 0 < self.znear < self.zfar:
            raise ValueError(f"camera {self.name!r}: need 0 < znear < zfar")
        if self.msaa not in (0, 2, 4):
            raise ValueError(f"camera {self.name!r}: msaa must be 0, 2 or 4, got {self.msaa!r}")
        if self.aa not in ("none", "fxaa"):
            raise ValueError(f"camera {self.name!r}: aa must be 'none' or 'fxaa', got {self.aa!r}")
        if self.shadow_map not in SHADOW_MAP_SIZES:
            raise ValueError(
                f"camera {self.name!r}: shadow_map must be one of {SHADOW_MAP_SIZES}, "
                f"got {self.shadow_map!r}"
            )

    @classmethod
    def from_fov(
        cls,
        name: str,
        width: int,
        height: int,
        hfov: float,
        T_ego_cam: np.ndarray,
        **kwargs,
    ) -> CameraModel:
        """Square pixels, principal point at the image centre, horizontal FOV ``hfov`` [rad]."""
        if not 0.0 < hfov < math.pi:
            raise ValueError(f"camera {name!r}: horizontal field of view must be in (0, pi)")
        # rounded so that e.g. 90 deg at 1280 px gives exactly 640 px, not 640.0000000000001
        f = round((width / 2.0) / math.tan(hfov / 2.0), 9)
        return cls(
            name, width, height, f, f, (width - 1) / 2.0, (height - 1) / 2.0, T_ego_cam, **kwargs
        )

    @property
    def K(self) -> np.ndarray:
        """3x3 intrinsic matrix (OpenCV convention)."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def hfov(self) -> float:
        return 2.0 * math.atan((self.width / 2.0) / self.fx)

    def gl_intrinsics(self) -> tuple[float, float, float, float]:
        """(fx, fy, cx, cy) for pyrender's IntrinsicsCamera, whose pixel centres sit at +0.5."""
        return self.fx, self.fy, self.cx + 0.5, self.cy + 0.5

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """points_cam : (N, 3) float [m], camera frame, z > 0 -> (N, 2) float pixel (u, v),
        through the lens distortion (:meth:`Lens.distort_rays`) if there is one."""
        p = np.asarray(points_cam, dtype=np.float64)
        if not self.lens.is_pinhole:
            xd, yd = self.lens.distort_rays(p)
            return np.stack((self.fx * xd + self.cx, self.fy * yd + self.cy), axis=1)
        z = p[:, 2]
        return np.stack((self.fx * p[:, 0] / z + self.cx, self.fy * p[:, 1] / z + self.cy), axis=1)

    def backproject(self, u: np.ndarray, v: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Pixel (u, v) with depth along the optical axis [m] -> (N, 3) camera-frame points
        (undistorted first if the camera has a lens distortion)."""
        z = np.asarray(depth, dtype=np.float64)
        if not self.lens.is_pinhole:
            x, y = self.lens.undistort(
                (np.asarray(u, dtype=np.float64) - self.cx) / self.fx,
                (np.asarray(v, dtype=np.float64) - self.cy) / self.fy,
            )
            return np.stack((x * z, y * z, z), axis=-1)
        return np.stack(((u - self.cx) * z / self.fx, (v - self.cy) * z / self.fy, z), axis=-1)

    def T_world_cam(self, T_world_ego: np.ndarray) -> np.ndarray:
        return T_world_ego @ self.T_ego_cam

    def to_meta(self) -> dict:
        """The camera for meta.json; ``lens`` (model and coefficients) only when it distorts,
        so a pinhole camera's entry is what it always was."""
        out = {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "K": self.K.round(9).tolist(),
            "T_ego_cam": self.T_ego_cam.round(9).tolist(),
            "rate": self.rate,
            "znear": self.znear,
            "zfar": self.zfar,
        }
        if not self.lens.is_pinhole:
            out["lens"] = self.lens.to_meta()
        if self.msaa != 4:  # only when not the default: existing meta.json stay as they were
            out["msaa"] = self.msaa
        if self.aa != "none":
            out["aa"] = self.aa
        if self.shadow_map != SHADOW_MAP_SIZE:
            out["shadow_map"] = self.shadow_map
        return out
