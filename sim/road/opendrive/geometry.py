"""OpenDRIVE reference-line geometry, evaluated exactly: one scalar Numba function per kind.

A ``<geometry>`` record starts at road coordinate ``s0`` at world pose ``(x0, y0, hdg)`` and
runs ``length`` metres. In its local frame (u forward along ``hdg``, v to the left):

* **line**: (u, v) = (ds, 0).
* **arc** of curvature k (1/m, left positive): the chord form
  ``2/k sin(k ds/2)`` at half the turned angle, stable for any radius (no 1/k cancellation).
* **spiral** (clothoid) with curvature k0 -> k1 linear in ds, rate c = (k1 - k0) / length:
  heading th(ds) = k0 ds + c ds^2 / 2; the position is the Fresnel integral after the
  standard shift to the clothoid through curvature 0 (ds' = ds + k0 / c, scale
  sqrt(pi / |c|), rotated by -k0^2 / 2c). Near-arcs (|c| length^3 < 1e-12) are arcs; when the
  shift would exceed ``SHIFT_MAX`` metres (a spiral that barely changes curvature, where the
  Fresnel arguments grow too large to keep 1e-10 m) the heading is integrated by composite
  Gauss-Legendre instead, exact to rounding for such smooth phases.
* **poly3** v(u) = a + b u + c u^2 + d u^3 and **paramPoly3** (u(p), v(p) cubic): s is the
  arc length along the curve (the standard's reference-line coordinate), so ds is turned
  into the curve parameter by inverting the arc length: knots (p, s) precomputed at import
  (``arc_knots``), then Newton on a 6-point Gauss-Legendre arc length from the knot below.
  poly3 is stored as a paramPoly3 with u(p) = p.

The Fresnel integrals are Cephes' ``fresnl`` rational approximations (S. L. Moshier, the
algorithm scipy.special.fresnel uses; tests compare the two to 1e-14).
"""

from __future__ import annotations

import math

import numba
import numpy as np

LINE, ARC, SPIRAL, POLY3, PARAM_POLY3 = 0, 1, 2, 3, 4
KIND_NAMES = ("line", "arc", "spiral", "poly3", "paramPoly3")

# columns of the geometry table (one row per <geometry>)
G_S0, G_X0, G_Y0, G_HDG, G_LEN, G_KIND = 0, 1, 2, 3, 4, 5
G_P = 6  # 8 parameters: arc k | spiral k0, k1 | (param)poly3 aU bU cU dU aV bV cV dV
G_KNOT0, G_NKNOT = 14, 15
G_COS, G_SIN = 16, 17  # cos, sin of hdg (set by prepare_row)
G_COLS = 18
# a prepared spiral row also holds, after k0 and k1: the Fresnel scale sqrt(pi/|c|) (0: not
# evaluated by Fresnel), the shift k0/c, S and C at the shifted start, cos and sin of the
# canonical clothoid's rotation -k0^2/2c (per-geometry constants: one Fresnel per query)
G_SCALE, G_SHIFT, G_S_A, G_C_A, G_ROT_COS, G_ROT_SIN = 8, 9, 10, 11, 12, 13

SHIFT_MAX = 1e6  # [m] largest clothoid shift k0/c evaluated by Fresnel integrals
KNOTS = 16  # arc-length knot intervals per (param)poly3 geometry

# Gauss-Legendre nodes and weights on [-1, 1]
_GL6_X = np.array(
    [
        -0.9324695142031521,
        -0.6612093864662645,
        -0.2386191860831969,
        0.2386191860831969,
        0.6612093864662645,
        0.9324695142031521,
    ]
)
_GL6_W = np.array(
    [
        0.1713244923791704,
        0.3607615730481386,
        0.4679139345726910,
        0.4679139345726910,
        0.3607615730481386,
        0.1713244923791704,
    ]
)

# Cephes fresnl: S(x), C(x) for x^2 < 2.5625 (rational in x^4), auxiliary f, g beyond
_SN = np.array(
    [
        -2.99181919401019853726e3,
        7.08840045257738576863e5,
        -6.29741486205862506537e7,
        2.54890880573376359104e9,
        -4.42979518059697779103e10,
        3.18016297876567817986e11,
    ]
)
_SD = np.array(
    [
        1.0,
        2.81376268889994315696e2,
        4.55847810806532581675e4,
        5.17343888770096400730e6,
        4.19320245898111231129e8,
        2.24411795645340920940e10,
        6.07366389490084639049e11,
    ]
)
_CN = np.array(
    [
        -4.98843114573573548651e-8,
        9.50428062829859605134e-6,
        -6.45191435683965050962e-4,
        1.88843319396703850064e-2,
        -2.05525900955013891793e-1,
        9.99999999999999998822e-1,
    ]
)
_CD = np.array(
    [
        3.99982968972495980367e-12,
        9.15439215774657478799e-10,
        1.25001862479598821474e-7,
        1.22262789024179030997e-5,
        8.68029542941784300606e-4,
        4.12142090722199792936e-2,
        1.00000000000000000118e0,
    ]
)
_FN = np.array(
    [
        4.21543555043677546506e-1,
        1.43407919780758885261e-1,
        1.15220955073585758835e-2,
        3.45017939782574027900e-4,
        4.63613749287867322088e-6,
        3.05568983790257605827e-8,
        1.02304514164907233465e-10,
        1.72010743268161828879e-13,
        1.34283276233062758925e-16,
        3.76329711269987889006e-20,
    ]
)
_FD = np.array(
    [
        1.0,
        7.51586398353378947175e-1,
        1.16888925859191382142e-1,
        6.44051526508858611005e-3,
        1.55934409164153020873e-4,
        1.84627567348930545870e-6,
        1.12699224763999035261e-8,
        3.60140029589371370404e-11,
        5.88754533621578410010e-14,
        4.52001434074129701496e-17,
        1.25443237090011264384e-20,
    ]
)
_GN = np.array(
    [
        5.04442073643383265887e-1,
        1.97102833525523411709e-1,
        1.87648584092575249293e-2,
        6.84079380915393090172e-4,
        1.15138826111884280931e-5,
        9.82852443688422223854e-8,
        4.45344415861750144738e-10,
        1.08268041139020870318e-12,
        1.37555460633261799868e-15,
        8.36354435630677421531e-19,
        1.86958710162783235106e-22,
    ]
)
_GD = np.array(
    [
        1.0,
        1.47495759925128324529e0,
        3.37748989120019970451e-1,
        2.53603741420338795122e-2,
        8.14679107184306179049e-4,
        1.27545075667729118702e-5,
        1.04314589657571990585e-7,
        4.60680728146520428211e-10,
        1.10273215066240270757e-12,
        1.38796531259578871258e-15,
        8.39158816283118707363e-19,
        1.86958710162783236342e-22,
    ]
)


@numba.njit(cache=True, inline="always")
def _horner(coef, x):
    acc = 0.0
    for c in coef:
        acc = acc * x + c
    return acc


@numba.njit(cache=True)
def fresnel(x):
    """(S(x), C(x)) with S = int_0^x sin(pi t^2 / 2) dt, C likewise with cos."""
    ax = abs(x)
    x2 = ax * ax
    if x2 < 2.5625:
        t = x2 * x2
        ss = ax * x2 * _horner(_SN, t) / _horner(_SD, t)
        cc = ax * _horner(_CN, t) / _horner(_CD, t)
    elif ax > 36974.0:
        cc = 0.5 + math.sin(0.5 * math.pi * x2) / (math.pi * ax)
        ss = 0.5 - math.cos(0.5 * math.pi * x2) / (math.pi * ax)
    else:
        t = math.pi * x2
        u = 1.0 / (t * t)
        f = 1.0 - u * _horner(_FN, u) / _horner(_FD, u)
        g = _horner(_GN, u) / (t * _horner(_GD, u))
        t = 0.5 * math.pi * x2
        c = math.cos(t)
        s = math.sin(t)
        cc = 0.5 + (f * s - g * c) / (math.pi * ax)
        ss = 0.5 - (f * c + g * s) / (math.pi * ax)
    if x < 0.0:
        return -ss, -cc
    return ss, cc


@numba.njit(cache=True, inline="always")
def _chord(k, ds):
    """Local (u, v, heading) after ds along an arc of curvature k (k = 0: a line)."""
    half = 0.5 * k * ds
    chord = ds if half == 0.0 else ds * math.sin(half) / half
    return chord * math.cos(half), chord * math.sin(half), 2.0 * half


@numba.njit(cache=True)
def _spiral_quadrature(k0, c, ds):
    """int_0^ds exp(i (k0 w + c w^2 / 2)) dw by composite 6-point Gauss-Legendre."""
    turn = abs(k0 * ds) + abs(0.5 * c * ds * ds)
    m = min(4096, 1 + int(turn / 0.25))
    h = ds / m
    u = 0.0
    v = 0.0
    for j in range(m):
        mid = (j + 0.5) * h
        for q in range(6):
            w = mid + 0.5 * h * _GL6_X[q]
            th = k0 * w + 0.5 * c * w * w
            u += 0.5 * h * _GL6_W[q] * math.cos(th)
            v += 0.5 * h * _GL6_W[q] * math.sin(th)
    return u, v


@numba.njit(cache=True)
def spiral_local(k0, k1, length, ds):
    """Local (u, v, heading, curvature) after ds along a clothoid k0 -> k1 over ``length``."""
    c = (k1 - k0) / length
    th = k0 * ds + 0.5 * c * ds * ds
    kappa = k0 + c * ds
    if abs(c) * length * length * length < 1e-12:
        u, v, _ = _chord(k0 + 0.5 * c * ds, ds)
        return u, v, th, kappa
    shift = k0 / c
    if abs(shift) > SHIFT_MAX:
        u, v = _spiral_quadrature(k0, c, ds)
        return u, v, th, kappa
    sign = 1.0 if c > 0.0 else -1.0
    scale = math.sqrt(math.pi / abs(c))
    s_a, c_a = fresnel(shift / scale)
    s_b, c_b = fresnel((shift + ds) / scale)
    du = scale * (c_b - c_a)
    dv = sign * scale * (s_b - s_a)
    rot = -0.5 * k0 * shift  # = -k0^2 / (2c): heading of the canonical clothoid at the shift
    cr = math.cos(rot)
    sr = math.sin(rot)
    return cr * du - sr * dv, sr * du + cr * dv, th, kappa


@numba.njit(cache=True)
def prepare_row(row):
    """Fill a geometry row's derived columns (G_COS, G_SIN; the spiral constants)."""
    row[G_COS] = math.cos(row[G_HDG])
    row[G_SIN] = math.sin(row[G_HDG])
    if int(row[G_KIND]) != SPIRAL:
        return
    k0 = row[G_P]
    length = row[G_LEN]
    c = (row[G_P + 1] - k0) / length
    row[G_SCALE] = 0.0
    if abs(c) * length * length * length < 1e-12 or abs(k0 / c) > SHIFT_MAX:
        return
    shift = k0 / c
    scale = math.sqrt(math.pi / abs(c))
    s_a, c_a = fresnel(shift / scale)
    rot = -0.5 * k0 * shift
    row[G_SCALE] = scale
    row[G_SHIFT] = shift
    row[G_S_A] = s_a
    row[G_C_A] = c_a
    row[G_ROT_COS] = math.cos(rot)
    row[G_ROT_SIN] = math.sin(rot)


@numba.njit(cache=True)
def _spiral_row(row, ds):
    """spiral_local of a prepared row: the constants of the shift precomputed."""
    scale = row[G_SCALE]
    if scale == 0.0:
        return spiral_local(row[G_P], row[G_P + 1], row[G_LEN], ds)
    k0 = row[G_P]
    c = (row[G_P + 1] - k0) / row[G_LEN]
    sign = 1.0 if c > 0.0 else -1.0
    s_b, c_b = fresnel((row[G_SHIFT] + ds) / scale)
    du = scale * (c_b - row[G_C_A])
    dv = sign * scale * (s_b - row[G_S_A])
    cr = row[G_ROT_COS]
    sr = row[G_ROT_SIN]
    return cr * du - sr * dv, sr * du + cr * dv, k0 * ds + 0.5 * c * ds * ds, k0 + c * ds


@numba.njit(cache=True, inline="always")
def _cubic(a, b, c, d, p):
    return a + p * (b + p * (c + p * d))


@numba.njit(cache=True, inline="always")
def _speed(row, p):
    du = row[G_P + 1] + p * (2.0 * row[G_P + 2] + 3.0 * p * row[G_P + 3])
    dv = row[G_P + 5] + p * (2.0 * row[G_P + 6] + 3.0 * p * row[G_P + 7])
    return math.sqrt(du * du + dv * dv)


@numba.njit(cache=True)
def arc_length(row, p_a, p_b):
    """Arc length of a (param)poly3 row's curve from parameter p_a to p_b (6-point GL)."""
    half = 0.5 * (p_b - p_a)
    mid = 0.5 * (p_a + p_b)
    acc = 0.0
    for q in range(6):
        acc += _GL6_W[q] * _speed(row, mid + half * _GL6_X[q])
    return half * acc


@numba.njit(cache=True)
def _param_of(row, knots, ds):
    """Curve parameter p at arc length ds (knots: (p, s) rows of this geometry)."""
    k0 = int(row[G_KNOT0])
    n = int(row[G_NKNOT])
    lo = 0
    hi = n - 2
    while lo < hi:  # last knot interval starting at or before ds
        mid = (lo + hi + 1) // 2
        if knots[k0 + mid, 1] <= ds:
            lo = mid
        else:
            hi = mid - 1
    p_j = knots[k0 + lo, 0]
    s_j = knots[k0 + lo, 1]
    span = knots[k0 + lo + 1, 1] - s_j
    p = p_j + (ds - s_j) / span * (knots[k0 + lo + 1, 0] - p_j) if span > 0.0 else p_j
    for _ in range(8):
        step = (s_j + arc_length(row, p_j, p) - ds) / max(_speed(row, p), 1e-12)
        p -= step
        if abs(step) < 1e-13 * (1.0 + abs(p)):
            break
    return p


@numba.njit(cache=True)
def poly_local(row, knots, ds):
    """Local (u, v, heading, curvature) at arc length ds along a (param)poly3 row."""
    p = _param_of(row, knots, ds)
    a_u, b_u, c_u, d_u = row[G_P], row[G_P + 1], row[G_P + 2], row[G_P + 3]
    a_v, b_v, c_v, d_v = row[G_P + 4], row[G_P + 5], row[G_P + 6], row[G_P + 7]
    du = b_u + p * (2.0 * c_u + 3.0 * p * d_u)
    dv = b_v + p * (2.0 * c_v + 3.0 * p * d_v)
    ddu = 2.0 * c_u + 6.0 * p * d_u
    ddv = 2.0 * c_v + 6.0 * p * d_v
    sp2 = du * du + dv * dv
    kappa = (du * ddv - dv * ddu) / (sp2 * math.sqrt(sp2)) if sp2 > 0.0 else 0.0
    return _cubic(a_u, b_u, c_u, d_u, p), _cubic(a_v, b_v, c_v, d_v, p), math.atan2(dv, du), kappa


@numba.njit(cache=True)
def geometry_pose(row, knots, s):
    """World (x, y, heading, curvature) of one geometry row at road coordinate s; s outside
    [s0, s0 + length] extrapolates the same formula."""
    ds = s - row[G_S0]
    kind = int(row[G_KIND])
    if kind == LINE:
        u, v, th = ds, 0.0, 0.0
        kappa = 0.0
    elif kind == ARC:
        kappa = row[G_P]
        u, v, th = _chord(kappa, ds)
    elif kind == SPIRAL:
        u, v, th, kappa = _spiral_row(row, ds)
    else:
        u, v, th, kappa = poly_local(row, knots, ds)
    ch = row[G_COS]
    sh = row[G_SIN]
    return row[G_X0] + ch * u - sh * v, row[G_Y0] + sh * u + ch * v, row[G_HDG] + th, kappa


def poly_knots(row: np.ndarray, p_end: float | None) -> tuple[np.ndarray, float]:
    """Arc-length knots (KNOTS + 1, 2) [p, s] of a (param)poly3 row over [0, p_end], and the
    curve's arc length there. ``p_end`` None (poly3): the u where the arc length reaches the
    row's length (found by Newton)."""
    knots = np.zeros((KNOTS + 1, 2))
    _knot_table(row, -1.0 if p_end is None else float(p_end), p_end is None, knots)
    return knots, float(knots[-1, 1])


@numba.njit(cache=True)
def _subdivided_length(row, p_a, p_b):
    pieces = 16
    h = (p_b - p_a) / pieces
    total = 0.0
    for j in range(pieces):
        total += arc_length(row, p_a + j * h, p_a + (j + 1) * h)
    return total


@numba.njit(cache=True)
def _knot_table(row, p_end, find_end, out):
    length = row[G_LEN]
    if find_end:
        p_end = length
        for _ in range(30):
            step = (_subdivided_length(row, 0.0, p_end) - length) / max(_speed(row, p_end), 1e-12)
            p_end -= step
            if abs(step) < 1e-12 * (1.0 + length):
                break
    n = out.shape[0] - 1
    out[0, 0] = 0.0
    out[0, 1] = 0.0
    for j in range(n):
        p_a = p_end * j / n
        p_b = p_end * (j + 1) / n
        out[j + 1, 0] = p_b
        out[j + 1, 1] = out[j, 1] + _subdivided_length(row, p_a, p_b)


@numba.njit(cache=True)
def poly_arc_length_at(row, knots, p):
    """Arc length from the geometry's start to curve parameter p (knot below + 6-point GL)."""
    k0 = int(row[G_KNOT0])
    n = int(row[G_NKNOT])
    step = knots[k0 + n - 1, 0] / (n - 1)
    j = int(p / step) if step > 0.0 else 0
    j = min(max(j, 0), n - 2)
    return knots[k0 + j, 1] + arc_length(row, knots[k0 + j, 0], p)


@numba.njit(cache=True)
def poly_derivatives(row, p):
    """World (x, y), first and second derivatives in p of a (param)poly3 row."""
    u = _cubic(row[G_P], row[G_P + 1], row[G_P + 2], row[G_P + 3], p)
    v = _cubic(row[G_P + 4], row[G_P + 5], row[G_P + 6], row[G_P + 7], p)
    du = row[G_P + 1] + p * (2.0 * row[G_P + 2] + 3.0 * p * row[G_P + 3])
    dv = row[G_P + 5] + p * (2.0 * row[G_P + 6] + 3.0 * p * row[G_P + 7])
    ddu = 2.0 * row[G_P + 2] + 6.0 * p * row[G_P + 3]
    ddv = 2.0 * row[G_P + 6] + 6.0 * p * row[G_P + 7]
    ch = row[G_COS]
    sh = row[G_SIN]
    return (
        row[G_X0] + ch * u - sh * v,
        row[G_Y0] + sh * u + ch * v,
        ch * du - sh * dv,
        sh * du + ch * dv,
        ch * ddu - sh * ddv,
        sh * ddu + ch * ddv,
    )


@numba.njit(cache=True)
def poly_param_at(row, knots, ds):
    """Curve parameter p at arc length ds from the row's start (public name of _param_of)."""
    return _param_of(row, knots, ds)
