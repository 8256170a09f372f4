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


# ---- lidar


def _ray_triangles(o, d, tris):
    """Distances along the ray o + t d to every triangle of ``tris`` (F, 3, 3), two-sided
    Moller-Trumbore; inf where it misses. Vectorised over the triangles only."""
    a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
    e1, e2 = b - a, c - a
    p = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, p)
    ok = np.abs(det) >= 1e-15
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = o - a
    u = np.einsum("ij,ij->i", s, p) * inv
    q = np.cross(s, e1)
    v = (q @ d) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    hit = ok & (u >= 0) & (u <= 1) & (v >= 0) & (u + v <= 1) & (t > 1e-9)
    return np.where(hit, t, np.inf)


def lidar_cast(
    static_tris, agent_tris, elevation, azimuth, col_block, T_world_sensor, T_world_agent,
    active, max_range,
):  # fmt: skip
    """Every ray of a sweep against every triangle: the nearest hit below ``max_range``.

    static_tris : (F, 3, 3) world frame; agent_tris : list of (F_a, 3, 3), each agent's
    triangles in its own frame; elevation (R,), azimuth (C,) [rad]; col_block (C,);
    T_world_sensor (P, 4, 4); T_world_agent (P, A, 4, 4); active (P, A) bool.
    Returns range (C, R) (inf: none), agent (C, R) (-2 none, -1 static, k agent), face
    (C, R) face index in its own mesh (-1 none), cos (C, R) |cos incidence|.
    """
    n_cols, n_beams = len(azimuth), len(elevation)
    out_range = np.full((n_cols, n_beams), np.inf)
    out_agent = np.full((n_cols, n_beams), -2)
    out_face = np.full((n_cols, n_beams), -1)
    out_cos = np.zeros((n_cols, n_beams))
    for c in range(n_cols):
        b = col_block[c]
        # every agent's triangles moved into the world at this column's block
        posed = []
        for k, tris in enumerate(agent_tris):
            if active[b, k]:
                T = T_world_agent[b, k]
                posed.append((k, tris @ T[:3, :3].T + T[:3, 3]))
        for r in range(n_beams):
            el, az = elevation[r], azimuth[c]
            d_sensor = np.array(
                [math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)]
            )
            o = T_world_sensor[b, :3, 3]
            d = T_world_sensor[b, :3, :3] @ d_sensor
            best = (max_range, -2, -1, None)
            for who, tris in [(-1, static_tris), *posed]:
                if len(tris) == 0:
                    continue
                t = _ray_triangles(o, d, tris)
                f = int(np.argmin(t))
                if t[f] < best[0]:
                    best = (t[f], who, f, tris[f])
            t, who, f, tri = best
            if who == -2:
                continue
            n = np.cross(tri[1] - tri[0], tri[2] - tri[0])
            out_range[c, r] = t
            out_agent[c, r] = who
            out_face[c, r] = f
            out_cos[c, r] = abs(np.dot(n, d)) / np.linalg.norm(n)
    return out_range, out_agent, out_face, out_cos


def bvh_problems(node_lo, node_hi, node_start, node_count, tri_face, vertices, faces):
    """What is wrong with a BVH over ``faces``, as sentences (empty: nothing): every face
    in exactly one leaf, every leaf's box holds its triangles, every inner node's box holds
    its children's, walking the tree from the root by recursion."""
    problems = []
    seen = []

    def contains(outer_lo, outer_hi, lo, hi):
        return np.all(outer_lo <= lo + 1e-9) and np.all(hi <= outer_hi + 1e-9)

    def visit(node, depth):
        if depth > 200:
            problems.append("tree deeper than 200")
            return
        lo, hi = node_lo[node], node_hi[node]
        if node_count[node] >= 0:
            for k in range(node_start[node], node_start[node] + node_count[node]):
                tri = vertices[faces[tri_face[k]]]
                seen.append(int(tri_face[k]))
                if not contains(lo, hi, tri.min(axis=0), tri.max(axis=0)):
                    problems.append(f"leaf {node} does not hold its triangle {tri_face[k]}")
            return
        for child in (node_start[node], node_start[node] + 1):
            if not contains(lo, hi, node_lo[child], node_hi[child]):
                problems.append(f"node {node} does not hold its child {child}")
            visit(child, depth + 1)

    visit(0, 0)
    if sorted(seen) != list(range(len(faces))):
        problems.append("the leaves do not hold every face exactly once")
    return problems


# ---- ground truth (flow, bev)


def rigid_flow(ray_x, ray_y, depth, instance, motions, fx, fy, cx, cy, znear):
    """sim.groundtruth.flow._rigid_flow for a pinhole camera, one pixel at a time:
    ``motions`` {id: 4x4}; returns (flow (H, W, 2), valid (H, W))."""
    H, W = depth.shape
    flow = np.zeros((H, W, 2))
    valid = np.zeros((H, W), dtype=bool)
    for i in range(H):
        for j in range(W):
            z = float(depth[i, j])
            inst = int(instance[i, j])
            if z <= 0 or inst not in motions or not np.isfinite(ray_x[i, j]):
                continue
            point = np.array([ray_x[i, j] * z, ray_y[i, j] * z, z, 1.0])
            moved = motions[inst] @ point
            if moved[2] <= znear:
                continue
            u = fx * moved[0] / moved[2] + cx
            v = fy * moved[1] / moved[2] + cy
            if -0.5 <= u < W - 0.5 and -0.5 <= v < H - 0.5:
                flow[i, j] = (u - j, v - i)
                valid[i, j] = True
    return flow, valid


def top_down(verts, faces, face_class, ego_x, ego_y, ego_yaw, x_max, y_max, res, ceiling, shape):
    """sim.groundtruth.bev._top_down: for every cell centre, every triangle that covers it
    from above (barycentric coordinates >= 0), the highest not above ``ceiling`` wins."""
    rows, cols = shape
    semantic = np.zeros(shape, dtype=np.uint8)
    height = np.full(shape, -np.inf)
    c, s = math.cos(ego_yaw), math.sin(ego_yaw)
    for f, tri in enumerate(faces):
        world = verts[tri]
        dx, dy = world[:, 0] - ego_x, world[:, 1] - ego_y
        x_e, y_e = c * dx + s * dy, -s * dx + c * dy
        for r in range(rows):
            for k in range(cols):
                px = x_max - (r + 0.5) * res
                py = y_max - (k + 0.5) * res
                a = np.array(
                    [[x_e[1] - x_e[0], x_e[2] - x_e[0]], [y_e[1] - y_e[0], y_e[2] - y_e[0]]]
                )
                if abs(np.linalg.det(a)) < 1e-12 * res * res:
                    continue
                w1, w2 = np.linalg.solve(a, [px - x_e[0], py - y_e[0]])
                w0 = 1 - w1 - w2
                if min(w0, w1, w2) < -1e-12:
                    continue
                z = w0 * world[0, 2] + w1 * world[1, 2] + w2 * world[2, 2]
                if z <= ceiling and z > height[r, k]:
                    height[r, k] = z
                    semantic[r, k] = face_class[f]
    return semantic, height


def stamp_boxes(boxes, ids, classes, x_max, y_max, res, shape):
    """sim.groundtruth.bev._stamp_boxes: a cell takes the last box (x, y, yaw, l, w) whose
    rectangle holds its centre (shapely ``covers``)."""
    from shapely.geometry import Point

    semantic = np.zeros(shape, dtype=np.uint8)
    instance = np.zeros(shape, dtype=np.uint16)
    for (x, y, yaw, length, width), obj_id, cls in zip(boxes, ids, classes, strict=True):
        poly = box_polygon(x, y, yaw, length, width)
        for r in range(shape[0]):
            for k in range(shape[1]):
                if poly.buffer(1e-9).covers(
                    Point(x_max - (r + 0.5) * res, y_max - (k + 0.5) * res)
                ):
                    semantic[r, k] = cls
                    instance[r, k] = obj_id
    return semantic, instance


def walk_rays(
    ray_x, ray_y, depth, semantic, stride, T_ego_cam, x_max, y_max, z_min, voxel, reach, shape
):
    """sim.groundtruth.bev._walk_rays by crossing parameters: every u in (0, 1) where the
    segment camera -> surface point crosses a voxel plane, sorted; the voxel at the middle of
    each piece is free, the end point's voxel occupied (with the pixel's class)."""
    occ = np.zeros(shape, dtype=np.uint8)
    classes = np.zeros(shape, dtype=np.uint8)
    origin = T_ego_cam[:3, 3]

    def grid(p):
        return np.array([(x_max - p[0]) / voxel, (y_max - p[1]) / voxel, (p[2] - z_min) / voxel])

    for i in range(0, depth.shape[0], stride):
        for j in range(0, depth.shape[1], stride):
            if not (np.isfinite(ray_x[i, j]) and np.isfinite(ray_y[i, j])):
                continue
            z = float(depth[i, j])
            hit = z > 0
            if not hit:
                z = reach / math.sqrt(ray_x[i, j] ** 2 + ray_y[i, j] ** 2 + 1)
            end = T_ego_cam[:3, :3] @ np.array([ray_x[i, j] * z, ray_y[i, j] * z, z]) + origin
            a, b = grid(origin), grid(end)
            d = b - a
            cuts = [0.0, 1.0]
            for axis in range(3):
                if abs(d[axis]) < 1e-12:
                    continue
                lo, hi = sorted((a[axis], b[axis]))
                for plane in range(math.ceil(lo), math.floor(hi) + 1):
                    u = (plane - a[axis]) / d[axis]
                    if 0 < u < 1:
                        cuts.append(u)
            cuts.sort()
            end_voxel = tuple(np.floor(b).astype(int))
            inside_end = hit and all(0 <= end_voxel[k] < shape[k] for k in range(3))
            for u0, u1 in zip(cuts[:-1], cuts[1:], strict=True):
                if u1 - u0 < 1e-12:
                    continue
                cell = tuple(np.floor(a + d * (u0 + u1) / 2).astype(int))
                if not all(0 <= cell[k] < shape[k] for k in range(3)):
                    continue
                if inside_end and cell == end_voxel:
                    break
                if occ[cell] == 0:
                    occ[cell] = 1
            if inside_end:
                occ[end_voxel] = 2
                classes[end_voxel] = semantic[i, j]
    return occ, classes


# ---- opendrive
# Twins of sim/road/opendrive/kernels.py, written from the parsed records (sim.road.opendrive
# .parse) and the standard's definitions: headings integrated by scipy quadrature, the
# arc length of (param)poly3 curves by quad and inverted by brentq, world -> road by a dense
# scan of every road.


def _odr_poly(polys, s, base=0.0):
    rows = [p for p in polys if base + p.s <= s] or list(polys[:1])
    if not rows:
        return 0.0
    p = rows[-1]
    ds = s - (base + p.s)
    return p.a + p.b * ds + p.c * ds**2 + p.d * ds**3


def opendrive_reference_pose(road, s):
    """(x, y, heading) of a parsed road's reference line at s (quadrature of the heading)."""
    from scipy.integrate import quad
    from scipy.optimize import brentq

    geoms = [g for g in road.geometries if g.s <= s] or [road.geometries[0]]
    g = geoms[-1]
    ds = s - g.s
    opts = dict(epsabs=1e-12, epsrel=1e-12, limit=200)
    if g.kind in ("line", "arc", "spiral"):
        if g.kind == "line":
            k0, rate = 0.0, 0.0
        elif g.kind == "arc":
            k0, rate = g.params[0], 0.0
        else:
            k0, rate = g.params[0], (g.params[1] - g.params[0]) / g.length

        def theta(w):
            return k0 * w + 0.5 * rate * w * w

        u = quad(lambda w: math.cos(theta(w)), 0.0, ds, **opts)[0]
        v = quad(lambda w: math.sin(theta(w)), 0.0, ds, **opts)[0]
        th = theta(ds)
    else:
        if g.kind == "poly3":
            cu, cv = (0.0, 1.0, 0.0, 0.0), g.params
        else:
            cu, cv = g.params[:4], g.params[4:]

        def d(coef, p):
            return coef[1] + 2 * coef[2] * p + 3 * coef[3] * p * p

        def length(p):
            return quad(lambda q: math.hypot(d(cu, q), d(cv, q)), 0.0, p, **opts)[0]

        hi = 1.0
        while length(hi) < ds:
            hi *= 2.0
        p = brentq(lambda q: length(q) - ds, 0.0, hi, xtol=1e-14) if ds > 0 else 0.0
        u = cu[0] + cu[1] * p + cu[2] * p * p + cu[3] * p**3
        v = cv[0] + cv[1] * p + cv[2] * p * p + cv[3] * p**3
        th = math.atan2(d(cv, p), d(cu, p))
    x = g.x + u * math.cos(g.hdg) - v * math.sin(g.hdg)
    y = g.y + u * math.sin(g.hdg) + v * math.cos(g.hdg)
    return x, y, g.hdg + th


def opendrive_st_to_world(odr, road_index, s, t):
    """(N, 4) [x, y, z, heading] for points (road index, s, t) on the parsed network."""
    out = np.zeros((len(s), 4))
    for i in range(len(s)):
        road = odr.roads[int(road_index[i])]
        x, y, h = opendrive_reference_pose(road, float(s[i]))
        z = _odr_poly(road.elevation, float(s[i]))
        phi = _odr_poly(road.superelevation, float(s[i]))
        out[i] = (
            x - t[i] * math.cos(phi) * math.sin(h),
            y + t[i] * math.cos(phi) * math.cos(h),
            z + t[i] * math.sin(phi),
            h,
        )
    return out


def opendrive_lane_edges(odr, road_index, lane_id, s):
    """(N, 2) [t_inner, t_outer] of each lane at s (widths summed outwards from laneOffset)."""
    out = np.full((len(s), 2), np.nan)
    for i in range(len(s)):
        road = odr.roads[int(road_index[i])]
        section = [sec for sec in road.lane_sections if sec.s <= s[i]] or [road.lane_sections[0]]
        sec = section[-1]
        offset = _odr_poly(road.lane_offsets, float(s[i]))
        side = sec.left if lane_id[i] > 0 else sec.right
        sign = 1.0 if lane_id[i] > 0 else -1.0
        if lane_id[i] == 0 or abs(lane_id[i]) > len(side):
            continue
        inner = outer = offset
        for lane in side[: abs(int(lane_id[i]))]:
            inner = outer
            if lane.widths:
                outer = inner + sign * _odr_poly(lane.widths, float(s[i]), sec.s)
            else:
                outer = offset + _odr_poly(lane.borders, float(s[i]), sec.s)
        out[i] = (inner, outer)
    return out


def opendrive_world_to_st(odr, x, y, step=0.25):
    """Nearest reference-line foot by a dense scan of every road (every ``step`` metres,
    refined to the foot of the perpendicular by brentq); the same choice rule as the kernel: on a
    road's lanes first, then nearest its reference line. Returns road, s, t, lane arrays."""
    from scipy.optimize import brentq

    n = len(x)
    road_out = np.full(n, -1)
    s_out = np.full(n, np.nan)
    t_out = np.full(n, np.nan)
    lane_out = np.zeros(n, dtype=np.int64)
    samples = []
    for r, road in enumerate(odr.roads):
        ss = np.linspace(0.0, road.length, max(2, int(road.length / step) + 1))
        pts = np.array([opendrive_reference_pose(road, v)[:2] for v in ss])
        samples.append((r, road, ss, pts))
    for i in range(n):
        best = (math.inf, math.inf)
        for r, road, ss, pts in samples:
            d2 = (pts[:, 0] - x[i]) ** 2 + (pts[:, 1] - y[i]) ** 2
            for k in np.argsort(d2)[:3]:
                lo, hi = ss[max(k - 1, 0)], ss[min(k + 1, len(ss) - 1)]

                def along(v, road=road, xi=x[i], yi=y[i]):
                    px, py, h = opendrive_reference_pose(road, v)
                    return (xi - px) * math.cos(h) + (yi - py) * math.sin(h)

                a_lo, a_hi = along(lo), along(hi)
                if a_lo * a_hi > 0.0:
                    continue  # no perpendicular foot here (past the road's end)
                sv = lo if a_lo == 0.0 else hi if a_hi == 0.0 else brentq(along, lo, hi, xtol=1e-13)
                px, py, h = opendrive_reference_pose(road, sv)
                phi = _odr_poly(road.superelevation, sv)
                t = (-(x[i] - px) * math.sin(h) + (y[i] - py) * math.cos(h)) / math.cos(phi)
                sec = ([q for q in road.lane_sections if q.s <= sv] or [road.lane_sections[0]])[-1]
                right = opendrive_lane_edges(odr, [r], [-len(sec.right)], [sv])[0, 1]
                left = opendrive_lane_edges(odr, [r], [len(sec.left)], [sv])[0, 1]
                offset = _odr_poly(road.lane_offsets, sv)
                right = offset if np.isnan(right) else right
                left = offset if np.isnan(left) else left
                outside = max(right - t, t - left, 0.0)
                if (outside, abs(t)) < best:
                    best = (outside, abs(t))
                    road_out[i], s_out[i], t_out[i] = r, sv, t
                    lane_out[i] = 0
                    for lid in [*range(1, len(sec.left) + 1), *range(-1, -len(sec.right) - 1, -1)]:
                        a, b = opendrive_lane_edges(odr, [r], [lid], [sv])[0]
                        if min(a, b) <= t <= max(a, b) and a != b:
                            lane_out[i] = lid
                            break
    return road_out, s_out, t_out, lane_out


# ---------------------------------------------------------------------------------------
# frame throughput (issue 19): FXAA-like post-filter, twin of sim/render/aa.py::_fxaa
# ---------------------------------------------------------------------------------------


def fxaa(rgb, edge_threshold=0.125, edge_min=8.0, search=8, subpix=0.75):
    """Slow twin of :func:`sim.render.aa.fxaa`: pixel by pixel, in plain Python floats."""
    H, W = rgb.shape[:2]
    img = rgb.astype(float)
    lum = [[0.299 * img[y, x, 0] + 0.587 * img[y, x, 1] + 0.114 * img[y, x, 2] for x in range(W)]
           for y in range(H)]  # fmt: skip
    out = rgb.copy()

    def inside(y, x):
        return 0 <= y < H and 0 <= x < W

    for y in range(1, H - 1):
        for x in range(1, W - 1):
            m = lum[y][x]
            n, s, e, w = lum[y - 1][x], lum[y + 1][x], lum[y][x + 1], lum[y][x - 1]
            rng = max(m, n, s, e, w) - min(m, n, s, e, w)
            if rng < max(edge_min, edge_threshold * max(m, n, s, e, w)):
                continue
            nw, ne = lum[y - 1][x - 1], lum[y - 1][x + 1]
            sw, se = lum[y + 1][x - 1], lum[y + 1][x + 1]
            across_rows = abs(nw + sw - 2 * w) + 2 * abs(n + s - 2 * m) + abs(ne + se - 2 * e)
            across_cols = abs(nw + ne - 2 * n) + 2 * abs(w + e - 2 * m) + abs(sw + se - 2 * s)
            if across_rows >= across_cols:  # a horizontal edge: the side is above or below
                (a, b), along = (n, s), (0, 1)
            else:
                (a, b), along = (w, e), (1, 0)
            step = -1 if abs(a - m) >= abs(b - m) else 1
            side_value = a if step == -1 else b
            to_side = (step, 0) if along == (0, 1) else (0, step)
            gradient = abs(side_value - m)
            mean = (m + side_value) / 2
            found = []
            for sign in (-1, 1):
                distance, delta = search, 0.0
                for i in range(1, search + 1):
                    py, px = y + sign * i * along[0], x + sign * i * along[1]
                    qy, qx = py + to_side[0], px + to_side[1]
                    if not (inside(py, px) and inside(qy, qx)):
                        distance = i
                        break
                    delta = (lum[py][px] + lum[qy][qx]) / 2 - mean
                    if abs(delta) >= gradient / 4:
                        distance = i
                        break
                found.append((distance, delta))
            near = found[0] if found[0][0] < found[1][0] else found[1]
            blend = 0.5 - near[0] / (found[0][0] + found[1][0])
            if (m - mean < 0) == (near[1] < 0):
                blend = 0.0
            avg = (2 * (n + s + e + w) + nw + ne + sw + se) / 12
            t = min(1.0, abs(avg - m) / rng)
            t = (3 - 2 * t) * t * t
            blend = max(blend, t * t * subpix)
            if blend <= 0:
                continue
            for c in range(3):
                v = (1 - blend) * img[y, x, c] + blend * img[y + to_side[0], x + to_side[1], c]
                out[y, x, c] = int(min(255.0, max(0.0, v + 0.5)))
    return out
