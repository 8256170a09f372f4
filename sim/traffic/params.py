"""Numeric defaults of the traffic engine, each with its unit and meaning (one place).

Kernels take these as arguments, never as globals: Numba's on-disk cache would keep a
global's old value after it is edited here.
"""

from __future__ import annotations

# --- IDM (Treiber, Hennecke & Helbing 2000) -------------------------------------------
IDM_TIME_HEADWAY = 1.5  # [s]
"""T: desired time gap to the leader."""
IDM_MIN_GAP = 2.0  # [m]
"""s0: bumper-to-bumper gap kept when standing."""
IDM_MAX_ACCEL = 1.5  # [m/s^2]
"""a: maximum acceleration."""
IDM_COMFORT_DECEL = 2.0  # [m/s^2]
"""b: comfortable deceleration."""
IDM_DELTA = 4.0  # [-]
"""delta: acceleration exponent."""

# --- a default vehicle (AgentState.empty / AgentState.vehicles) ----------------------
CAR_LENGTH = 4.5  # [m]
"""Body length of a mid-size car (bumper to bumper)."""
CAR_WIDTH = 1.8  # [m]
CAR_HEIGHT = 1.5  # [m]
CAR_WHEELBASE = 2.7  # [m]
"""Axle to axle; the kinematic bicycle divides by it, so it must never be 0."""
DESIRED_SPEED = 13.9  # [m/s]
"""v0 when nothing else says (50 km/h); ``AgentState.vehicles`` uses the road's speed limit."""

# --- vehicle limits -------------------------------------------------------------------
MAX_BRAKE = 9.0  # [m/s^2]
"""Physical braking limit of a car on dry asphalt; IDM's emergency term is clamped to it."""
MAX_STEER = 0.6  # [rad]
"""Front-wheel steering limit."""
MAX_STEER_RATE = 0.8  # [rad/s]
"""Steering-wheel rate limit at the wheels."""

# --- lateral control ------------------------------------------------------------------
LOOKAHEAD_TIME = 0.5  # [s]
"""Pure-pursuit lookahead distance = LOOKAHEAD_TIME * speed, clamped below."""
LOOKAHEAD_MIN = 5.0  # [m]
LOOKAHEAD_MAX = 40.0  # [m]

# --- scripted maneuvers ---------------------------------------------------------------
LANE_CHANGE_DURATION = 3.0  # [s]
"""Default duration of a lane change (start of lateral motion to arrival)."""

# --- MOBIL lane changes (Kesting, Treiber & Helbing 2007) -------------------------------
MOBIL_POLITENESS = 0.3  # [-]
"""p: weight of the other drivers' acceleration change (0 selfish, 1 altruistic)."""
MOBIL_THRESHOLD = 0.2  # [m/s^2]
"""Delta a_th: net advantage a lane change must bring."""
MOBIL_SAFE_DECEL = 4.0  # [m/s^2]
"""b_safe: hardest braking a lane change may impose on the new follower (or the changer)."""
MOBIL_PERIOD = 10  # [steps]
"""An agent reconsiders its lane every MOBIL_PERIOD steps (staggered by index)."""

# --- walkers (pedestrians, animals) ------------------------------------------------------
WALK_LOOKAHEAD = 1.5  # [m]
"""A walker heads for the point this far ahead on its line (or straight for its target)."""
WALK_TURN_RATE = 3.0  # [rad/s]
"""Fastest change of a walker's heading."""
