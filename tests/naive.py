"""Slow, readable twins of every Numba kernel. Tests compare each kernel with its twin.

Nothing here is clever: loops over pixels, pairs and agents written as the textbook says.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon

# --------------------------------------------------------------------------- rasterizer


def raycast_buffers(verts_cam, faces, face_inst, face_sem, fx, fy, cx, cy, znear, width, height):
    """Depth / instance / semantic / amodal counts by casting one ray per pixel centre.

    A ray hits a triangle if the triangle faces the camera and the hit lies at z >= znear.
    Returns depth (H, W) float64 (inf = nothing), instance (H, W), semantic (H, W),
    amodal (max_id + 1,) int.
    """
    depth = np.full((height, width), np.inf)
    inst = np.zeros((height, width), dtype=np.int64)
    sem = np.zeros((height, width), dtype=np.int64)
    max_id = int(max(face_inst)) if len(face_inst) else 0
    covered = [set() for _ in range(max_id + 1)]
    tris = verts_cam[faces]
    for i in range(height):
        for j in range(width):
            direction = np.array([(j - cx) / fx, (i - cy) / fy, 1.0])
            for f, (a, b, c) in enumerate(tris):
                normal = np.cross(b - a, c - a)
                if np.dot(normal, a) >= 0:  # back-facing (normal points away from the camera)
                    continue
                t = _ray_triangle(direction, a, b, c)
                if t is None:
                    continue
                z = t  # direction has unit z, so the ray parameter is the depth
                if z < znear:
                    continue
                if face_inst[f] > 0:
                    covered[face_inst[f]].add((i, j))
                if z < depth[i, j]:
                    depth[i, j] = z
                    inst[i, j] = face_inst[f]
                    sem[i, j] = face_sem[f]
    amodal = np.array([len(s) for s in covered])
    return depth, inst, sem, amodal


def _ray_triangle(d, a, b, c):
    """Möller–Trumbore intersection of the ray t * d (t > 0) with triangle abc."""
    e1, e2 = b - a, c - a
    p = np.cross(d, e2)
    det = np.dot(e1, p)
    if abs(det) < 1e-15:
        return None
    inv = 1.0 / det
    s = -a
    u = np.dot(s, p) * inv
    if u < 0 or u > 1:
        return None
    q = np.cross(s, e1)
    v = np.dot(d, q) * inv
    if v < 0 or u + v > 1:
        return None
    t = np.dot(e2, q) * inv
    return t if t > 0 else None


# --------------------------------------------------------------------------- road


def reference_point(segments, s):
    """Exact pose (x, y, heading) on a chain of (length, curvature) segments from the origin."""
    x = y = h = 0.0
    for length, k in segments:
        u = min(s, length)
        if abs(k) < 1e-12:
            nx, ny = x + u * math.cos(h), y + u * math.sin(h)
            nh = h
        else:
            nx = x + (math.sin(h + k * u) - math.sin(h)) / k
            ny = y - (math.cos(h + k * u) - math.cos(h)) / k
            nh = h + k * u
        if s <= length:
            return nx, ny, nh
        s -= length
        x, y, h = nx, ny, nh
    return x + s * math.cos(h), y + s * math.sin(h), h


def lane_to_world(segments, s, d):
    x, y, h = reference_point(segments, s)
    return x - d * math.sin(h), y + d * math.cos(h), h


def world_to_lane(segments, x, y, total_length, step=0.01):
    """Brute force: the closest of densely sampled reference points."""
    best = (math.inf, 0.0, 0.0)
    for s in np.arange(0.0, total_length + step / 2, step):
        rx, ry, h = reference_point(segments, s)
        dist2 = (x - rx) ** 2 + (y - ry) ** 2
        if dist2 < best[0]:
            d = -(x - rx) * math.sin(h) + (y - ry) * math.cos(h)
            best = (dist2, s, d)
    return best[1], best[2]


# --------------------------------------------------------------------------- traffic


def searchsorted_left(keys, v):
    """Index of the first key >= v in ascending ``keys`` (len(keys) if none), by a scan."""
    for k, key in enumerate(keys):
        if key >= v:
            return k
    return len(keys)


def idm_accel(v, v0, T, s0, a, b, delta, gap=None, v_leader=None):
    """IDM as published: a [1 - (v/v0)^delta - (s*/s)^2].

    s* = s0 + max(0, vT + v dv / (2 sqrt(ab))).
    """
    free = 1.0 - (v / v0) ** delta
    if gap is None:
        return a * free
    dv = v - v_leader
    s_star = s0 + max(0.0, v * T + v * dv / (2.0 * math.sqrt(a * b)))
    return a * (free - (s_star / max(gap, 1e-3)) ** 2)


def leaders(lane, s, length, active, lc_active=None, lc_lane=None, dirn=None):
    """All-pairs leader search: the nearest agent ahead (by centre position) in the agent's
    direction of travel (``dirn`` +1 towards +s, -1 towards -s) among those sharing a lane
    (lane -1: off the carriageway, shares nothing). An agent changing lanes (lc_lane !=
    lane) shares both its lane and its target lane with the agents there (it follows their
    traffic; their traffic going its way follows it -- if it only signals, once it is
    ahead)."""
    n = len(s)
    lc_active = np.zeros(n, bool) if lc_active is None else lc_active
    lc_lane = lane if lc_lane is None else lc_lane
    dirn = np.ones(n) if dirn is None else dirn
    leader = np.full(n, -1)
    gap = np.full(n, np.inf)
    for i in range(n):
        if not active[i] or lane[i] < 0:
            continue
        for j in range(n):
            if j == i or not active[j] or lane[j] < 0:
                continue
            shared = (
                lane[j] == lane[i]
                or (lc_lane[i] != lane[i] and lc_lane[i] == lane[j])
                or (
                    lc_lane[j] != lane[j]
                    and lc_lane[j] == lane[i]
                    and dirn[i] == dirn[j]
                    and (
                        lc_active[j] or dirn[i] * (s[j] - s[i]) - 0.5 * (length[i] + length[j]) > 0
                    )
                )
            )
            ahead = dirn[i] * (s[j] - s[i]) > 0
            if not (shared and ahead):
                continue
            if leader[i] < 0 or dirn[i] * (s[j] - s[leader[i]]) < 0:
                leader[i] = j
                gap[i] = dirn[i] * (s[j] - s[i]) - 0.5 * (length[i] + length[j])
    return leader, gap


def bicycle_step(x, y, yaw, v, steer, acc, steer_cmd, wheelbase, steer_max, steer_rate_max, dt):
    """One kinematic-bicycle step for one agent (reference point midway between axles)."""
    change = max(-steer_rate_max * dt, min(steer_rate_max * dt, steer_cmd - steer))
    steer = max(-steer_max, min(steer_max, steer + change))
    v_new = max(0.0, v + acc * dt)
    v_mid = 0.5 * (v + v_new)
    beta = math.atan(0.5 * math.tan(steer))
    x += v_mid * math.cos(yaw + beta) * dt
    y += v_mid * math.sin(yaw + beta) * dt
    yaw += v_mid / (0.5 * wheelbase) * math.sin(beta) * dt
    return x, y, yaw, v_new, (v_new - v) / dt, steer


def agent_controls(
    segments,
    x,
    y,
    yaw,
    v,
    s,
    wheelbase,
    v0,
    T,
    s0,
    a_max,
    b_comf,
    delta,
    b_max,
    lat_ref,
    override,
    gap,
    v_leader,
    look_time,
    look_min,
    look_max,
):
    """One agent's (acceleration, steering target): IDM (or the scripted override: braking
    at it, or accelerating like an IDM driver with no speed limit and a = override), then
    pure pursuit from the rear axle to the lane point ``look`` ahead at offset lat_ref."""
    if override is None:
        acc = idm_accel(v, v0, T, s0, a_max, b_comf, delta, gap, v_leader)
        acc = min(max(acc, -b_max), a_max)
    elif override > 0:
        acc = idm_accel(v, math.inf, T, s0, override, b_comf, delta, gap, v_leader)
        acc = min(max(acc, -b_max), override)
    else:
        acc = max(override, -b_max)
    look = min(max(look_time * v, look_min), look_max)
    xt, yt, _ = lane_to_world(segments, s + look, lat_ref)
    xr = x - 0.5 * wheelbase * math.cos(yaw)
    yr = y - 0.5 * wheelbase * math.sin(yaw)
    # target in the vehicle frame
    lx = math.cos(yaw) * (xt - xr) + math.sin(yaw) * (yt - yr)
    ly = -math.sin(yaw) * (xt - xr) + math.cos(yaw) * (yt - yr)
    return acc, math.atan(2.0 * wheelbase * ly / (lx * lx + ly * ly))


def mobil(
    lane, s, length, idm, active, enabled, politeness, threshold, b_safe, s0_plus_vt, n_lanes
):
    """MOBIL decisions in index order from an all-pairs neighbour search.

    ``idm(f, j)``: IDM acceleration of f behind j (j = None: free road); ``s0_plus_vt``:
    s0 + v T of each agent, the reach within which a merging car on the far side blocks. Returns
    {agent: target lane} for the agents that change. Mirrors kernels.lane_change._mobil with
    period 1, no cooldowns and nobody changing lanes at the start.
    """
    n = len(s)

    def neighbours(target, pos, exclude):
        ahead = behind = None
        for j in range(n):
            if j == exclude or not active[j] or lane[j] != target:
                continue
            if s[j] >= pos and (ahead is None or s[j] < s[ahead]):
                ahead = j
            if s[j] < pos and (behind is None or s[j] > s[behind]):
                behind = j
        return ahead, behind

    claimed = set()
    moving = set()
    out = {}
    for c in range(n):
        if not (active[c] and enabled[c]) or c in claimed:
            continue
        lead, old_f = neighbours(lane[c], s[c], c)
        if lead in claimed or old_f in claimed:
            continue
        a_c = idm(c, lead)
        gain_o = 0.0 if old_f is None else idm(old_f, lead) - idm(old_f, c)
        best, best_gain, best_pair = None, threshold[c], None
        for target in (lane[c] + 1, lane[c] - 1):
            if not 0 <= target < n_lanes:
                continue
            new_lead, new_f = neighbours(target, s[c], c)
            if any(k is not None and (k in claimed or k in moving) for k in (new_lead, new_f)):
                continue
            if new_lead is not None and s[new_lead] - s[c] < 0.5 * (length[new_lead] + length[c]):
                continue
            if new_f is not None and s[c] - s[new_f] < 0.5 * (length[new_f] + length[c]):
                continue
            far = 2 * target - lane[c]
            if 0 <= far < n_lanes:
                fl, ff = neighbours(far, s[c], c)
                reach = lambda k, c=c: 0.5 * (length[k] + length[c]) + s0_plus_vt[c]  # noqa: E731
                if any(
                    k is not None and (k in claimed or k in moving) and abs(s[k] - s[c]) < reach(k)
                    for k in (fl, ff)
                ):
                    continue
            a_c_new = idm(c, new_lead)
            gain_n = 0.0
            if new_f is not None:
                a_n_new = idm(new_f, c)
                if a_n_new < -b_safe[c]:
                    continue
                gain_n = a_n_new - idm(new_f, new_lead)
            if a_c_new < -b_safe[c]:
                continue
            incentive = a_c_new - a_c + politeness[c] * (gain_n + gain_o)
            if incentive > best_gain:
                best, best_gain, best_pair = target, incentive, (new_lead, new_f)
        if best is None:
            continue
        out[c] = best
        moving.add(c)
        claimed.update(k for k in (c, old_f, *best_pair) if k is not None)
    return out


def box_polygon(x, y, yaw, length, width):
    c, s = math.cos(yaw), math.sin(yaw)
    corners = [
        (+length / 2, +width / 2),
        (-length / 2, +width / 2),
        (-length / 2, -width / 2),
        (+length / 2, -width / 2),
    ]
    return Polygon([(x + c * a - s * b, y + s * a + c * b) for a, b in corners])


def collision_pairs(active, x, y, yaw, length, width):
    """All pairs whose rectangles intersect (shapely), i < j."""
    polys = [box_polygon(x[i], y[i], yaw[i], length[i], width[i]) for i in range(len(x))]
    out = []
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if active[i] and active[j] and polys[i].intersects(polys[j]):
                out.append((i, j))
    return out


# --------------------------------------------------------------------------- labels


def instance_stats(instance, max_id):
    """Per id: pixel count and inclusive (xmin, ymin, xmax, ymax), from np.nonzero."""
    out = {}
    for k in range(1, max_id + 1):
        ys, xs = np.nonzero(instance == k)
        if len(xs):
            out[k] = (len(xs), xs.min(), ys.min(), xs.max(), ys.max())
    return out


# --------------------------------------------------------------------------- colour compose


def compose_over_sky(rgba, sky):
    """Premultiplied colour over the sky, pixel by pixel in exact integer arithmetic:
    out = rgb + round((255 - alpha) * sky / 255), at most 255."""
    H, W = rgba.shape[:2]
    out = np.zeros((H, W, 3), dtype=np.uint8)
    for i in range(H):
        for j in range(W):
            clear = 255 - int(rgba[i, j, 3])
            for c in range(3):
                value = int(rgba[i, j, c]) + (clear * int(sky[i, j, c]) + 127) // 255
                out[i, j, c] = min(value, 255)
    return out


# --------------------------------------------------------------------------- camera pipeline


def splitmix64(key, index):
    """SplitMix64's output function on key + index * golden ratio, in 64-bit arithmetic."""
    m = (1 << 64) - 1
    z = (int(key) + index * 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def isp_pixels(rgb, gain, aberration, noise, key, decode, tone, gauss, encode):
    """The fused camera pipeline pixel by pixel: decode, bilinear red/blue resampling for
    chromatic aberration, gain, tone curve (interpolated table), noise, encode."""
    H, W = rgb.shape[:2]
    out = np.zeros_like(rgb)
    shot2, read2 = float(noise[0]), float(noise[1])
    noisy = shot2 > 0 or read2 > 0
    bits_mask = len(gauss) - 1

    def sample(c, x, y):
        x0, y0 = int(x), int(y)
        x1, y1 = min(x0 + 1, W - 1), min(y0 + 1, H - 1)
        ax, ay = x - x0, y - y0
        a = decode[rgb[y0, x0, c]]
        top = a + ax * (decode[rgb[y0, x1, c]] - a)
        a = decode[rgb[y1, x0, c]]
        bottom = a + ax * (decode[rgb[y1, x1, c]] - a)
        return top + ay * (bottom - top)

    for i in range(H):
        for j in range(W):
            bits = splitmix64(key, i * W + j) if noisy else 0
            for c in range(3):
                if aberration.shape[1] > 0 and c != 1:
                    row = 0 if c == 0 else 1
                    s = sample(c, aberration[row, j], aberration[row, W + i])
                else:
                    s = decode[rgb[i, j, c]]
                s *= float(gain[i, j])
                if len(tone) > 0:
                    x = min(max(s, 0.0), 1.25) * ((len(tone) - 1) / 1.25)
                    k = min(int(x), len(tone) - 2)
                    s = tone[k] + (x - k) * (tone[k + 1] - tone[k])
                s = min(max(s, 0.0), 1.0)
                if noisy:
                    z = gauss[(bits >> (16 * c)) & bits_mask]
                    s = min(max(s + z * math.sqrt(shot2 * s + read2), 0.0), 1.0)
                out[i, j, c] = encode[int(s * 65535.0 + 0.5)]
    return out
