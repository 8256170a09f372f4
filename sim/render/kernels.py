"""Numba kernels of the label rasterizer (arrays and scalars in, nothing else).

One pass draws every triangle of the frame, z-buffered, into depth / instance / semantic
buffers sampled at pixel centres (no multisampling, so every pixel holds exactly one id),
and at the same time counts, for every instance, the pixels its own triangles would cover
with nothing in front (the "amodal" pixel count) -- so visibility costs no extra render.

Also the fused per-pixel camera pipeline of sim.render.isp (``_isp_pixels``).

Slow, readable twins live in tests/naive.py; tests/render/test_raster.py and
tests/render/test_isp.py compare them.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_EPS_AREA = 1e-12


@numba.njit(cache=True)
def _edge(au, av, bu, bv, pu, pv):
    """Edge function of a->b at p, computed in a canonical vertex order so that the value
    for b->a is exactly the negation (shared edges then partition pixels exactly)."""
    if au < bu or (au == bu and av < bv):
        return (bu - au) * (pv - av) - (bv - av) * (pu - au)
    return -((au - bu) * (pv - bv) - (av - bv) * (pu - bu))


@numba.njit(cache=True)
def _owns_edge(au, av, bu, bv):
    """Tie-break for pixel centres exactly on an edge: exactly one of a->b, b->a owns it."""
    dv = bv - av
    return dv > 0.0 or (dv == 0.0 and bu < au)


@numba.njit(cache=True)
def _emit(out, count, face, p0, p1, p2, width, height):
    """Store one projected triangle if it faces the camera and touches the image.

    out : (u, v, inv_z, face) output arrays, (M, 3) float64 x 3 and (M,) int32;
    p0, p1, p2 : (u [px], v [px], 1/z [1/m]) of the triangle's vertices.
    Returns the new count.
    """
    out_u, out_v, out_iz, out_face = out
    u0, v0, iz0 = p0
    u1, v1, iz1 = p1
    u2, v2, iz2 = p2
    area = (u1 - u0) * (v2 - v0) - (u2 - u0) * (v1 - v0)
    # Faces wound counter-clockwise seen from outside have negative area in (u right,
    # v down) pixel coordinates; keep those and re-order them to positive area.
    if area > -_EPS_AREA:
        return count
    if max(u0, u1, u2) < -0.5 or min(u0, u1, u2) > width - 0.5:
        return count
    if max(v0, v1, v2) < -0.5 or min(v0, v1, v2) > height - 0.5:
        return count
    out_u[count, 0] = u0
    out_v[count, 0] = v0
    out_iz[count, 0] = iz0
    out_u[count, 1] = u2
    out_v[count, 1] = v2
    out_iz[count, 1] = iz2
    out_u[count, 2] = u1
    out_v[count, 2] = v1
    out_iz[count, 2] = iz1
    out_face[count] = face
    return count + 1


@numba.njit(cache=True)
def _setup_triangles(verts_cam, faces, fx, fy, cx, cy, znear, width, height):
    """Clip faces at z = znear, project, cull back faces and off-screen triangles.

    verts_cam : (V, 3) float64 [m] camera frame (OpenCV); faces : (F, 3) int32.
    Returns (u, v, inv_z) each (M, 3) float64 and face (M,) int32 of the kept screen
    triangles, in face order (a face clipped into a quad yields two triangles).
    """
    n_faces = faces.shape[0]
    out_u = np.zeros((2 * n_faces, 3))
    out_v = np.zeros((2 * n_faces, 3))
    out_iz = np.zeros((2 * n_faces, 3))
    out_face = np.zeros(2 * n_faces, dtype=np.int32)
    out = (out_u, out_v, out_iz, out_face)
    count = 0
    px = np.zeros(4)
    py = np.zeros(4)
    pz = np.zeros(4)
    for f in range(n_faces):
        n_in = 0
        for k in range(3):
            if verts_cam[faces[f, k], 2] >= znear:
                n_in += 1
        if n_in == 0:
            continue
        # Sutherland-Hodgman against the near plane: a triangle becomes 3 or 4 vertices.
        n_poly = 0
        for k in range(3):
            a = faces[f, k]
            b = faces[f, (k + 1) % 3]
            az = verts_cam[a, 2]
            bz = verts_cam[b, 2]
            if az >= znear:
                px[n_poly] = verts_cam[a, 0]
                py[n_poly] = verts_cam[a, 1]
                pz[n_poly] = az
                n_poly += 1
            if (az >= znear) != (bz >= znear):
                t = (znear - az) / (bz - az)
                px[n_poly] = verts_cam[a, 0] + t * (verts_cam[b, 0] - verts_cam[a, 0])
                py[n_poly] = verts_cam[a, 1] + t * (verts_cam[b, 1] - verts_cam[a, 1])
                pz[n_poly] = znear
                n_poly += 1
        u0 = fx * px[0] / pz[0] + cx
        v0 = fy * py[0] / pz[0] + cy
        for k in range(1, n_poly - 1):
            u1 = fx * px[k] / pz[k] + cx
            v1 = fy * py[k] / pz[k] + cy
            u2 = fx * px[k + 1] / pz[k + 1] + cx
            v2 = fy * py[k + 1] / pz[k + 1] + cy
            count = _emit(
                out,
                count,
                f,
                (u0, v0, 1.0 / pz[0]),
                (u1, v1, 1.0 / pz[k]),
                (u2, v2, 1.0 / pz[k + 1]),
                width,
                height,
            )
    return out_u[:count], out_v[:count], out_iz[:count], out_face[:count]


@numba.njit(cache=True)
def _edge_setup(au, av, bu, bv, out, k):
    """Store edge a->b in canonical vertex order as out[k] = (cu, cv, du - cu, dv - cv, sign),
    so that ``sign * (ex * (pv - cv) - ey * (pu - cu))`` is bit for bit :func:`_edge`."""
    if au < bu or (au == bu and av < bv):
        out[k, 0], out[k, 1], out[k, 2], out[k, 3], out[k, 4] = au, av, bu - au, bv - av, 1.0
    else:
        out[k, 0], out[k, 1], out[k, 2], out[k, 3], out[k, 4] = bu, bv, au - bu, av - bv, -1.0


@numba.njit(cache=True)
def _raster_rows(tris, row0, row1, width, bufs, stamp, amodal):
    """Rasterize every triangle into rows [row0, row1) of the buffers (one band).

    tris : (u, v, inv_z, instance, semantic) of the screen triangles, (M, 3) float64 x 3,
    (M,) int32 and (M,) uint8; bufs : (depth, instance, semantic) (H, W) buffers.

    Triangles of one instance must be contiguous so that ``stamp`` counts each pixel of
    an instance's own silhouette once into ``amodal[id]``.

    Per row, each edge's value is ``row term - slope * (pu - cu)``, evaluated with exactly
    the operations of :func:`_edge` (so shared edges still partition pixels exactly), and
    only columns near the row's analytic span are tested (a margin of one pixel absorbs
    rounding; the exact test decides).
    """
    tri_u, tri_v, tri_iz, tri_inst, tri_sem = tris
    depth, inst, sem = bufs
    edges = np.zeros((3, 5))
    rowterm = np.zeros(3)
    for t in range(tri_u.shape[0]):
        u0, u1, u2 = tri_u[t, 0], tri_u[t, 1], tri_u[t, 2]
        v0, v1, v2 = tri_v[t, 0], tri_v[t, 1], tri_v[t, 2]
        # pixel centres j with u0 <= j etc.: bounding box of centres inside the triangle
        jmin = max(int(np.ceil(min(u0, u1, u2))), 0)
        jmax = min(int(np.floor(max(u0, u1, u2))), width - 1)
        imin = max(int(np.ceil(min(v0, v1, v2))), row0)
        imax = min(int(np.floor(max(v0, v1, v2))), row1 - 1)
        if jmin > jmax or imin > imax:
            continue
        area = _edge(u0, v0, u1, v1, u2, v2)
        if area <= 0.0:
            continue
        inv_area = 1.0 / area
        own0 = _owns_edge(u1, v1, u2, v2)
        own1 = _owns_edge(u2, v2, u0, v0)
        own2 = _owns_edge(u0, v0, u1, v1)
        _edge_setup(u1, v1, u2, v2, edges, 0)
        _edge_setup(u2, v2, u0, v0, edges, 1)
        _edge_setup(u0, v0, u1, v1, edges, 2)
        iz0, iz1, iz2 = tri_iz[t, 0], tri_iz[t, 1], tri_iz[t, 2]
        oid = tri_inst[t]
        cls = tri_sem[t]
        for i in range(imin, imax + 1):
            pv = float(i)
            lo = float(jmin)
            hi = float(jmax)
            for k in range(3):
                rowterm[k] = edges[k, 2] * (pv - edges[k, 1])
                slope = edges[k, 3] * edges[k, 4]  # w decreases by slope per unit of pu
                if slope != 0.0:
                    # w = sign * rowterm - slope * (pu - cu) >= 0
                    #   <=>  pu vs cu + sign * rowterm / slope
                    root = edges[k, 0] + edges[k, 4] * rowterm[k] / slope
                    if slope > 0.0:
                        hi = min(hi, root + 1.0)
                    else:
                        lo = max(lo, root - 1.0)
            if not lo <= hi:
                continue
            j0 = max(jmin, int(np.floor(lo)))
            j1 = min(jmax, int(np.ceil(hi)))
            for j in range(j0, j1 + 1):
                pu = float(j)
                w0 = edges[0, 4] * (rowterm[0] - edges[0, 3] * (pu - edges[0, 0]))
                if w0 < 0.0 or (w0 == 0.0 and not own0):
                    continue
                w1 = edges[1, 4] * (rowterm[1] - edges[1, 3] * (pu - edges[1, 0]))
                if w1 < 0.0 or (w1 == 0.0 and not own1):
                    continue
                w2 = edges[2, 4] * (rowterm[2] - edges[2, 3] * (pu - edges[2, 0]))
                if w2 < 0.0 or (w2 == 0.0 and not own2):
                    continue
                # 1/z is affine in screen space: perspective-correct depth.
                iz = (w0 * iz0 + w1 * iz1 + w2 * iz2) * inv_area
                z = 1.0 / iz
                if oid > 0 and stamp[i, j] != oid:
                    stamp[i, j] = oid
                    amodal[oid] += 1
                if z < depth[i, j]:
                    depth[i, j] = z
                    inst[i, j] = oid
                    sem[i, j] = cls


@numba.njit(cache=True, parallel=True)
def _raster_bands(
    tri_u, tri_v, tri_iz, tri_inst, tri_sem, width, height, n_bands, depth, inst, sem, amodal_bands
):
    """Rasterize in horizontal bands, one band per parallel task; amodal counts per band."""
    stamp = np.zeros((height, width), dtype=np.int32)
    tris = (tri_u, tri_v, tri_iz, tri_inst, tri_sem)
    bufs = (depth, inst, sem)
    rows_per_band = (height + n_bands - 1) // n_bands
    for b in numba.prange(n_bands):
        row0 = b * rows_per_band
        row1 = min(height, row0 + rows_per_band)
        if row0 < row1:
            _raster_rows(tris, row0, row1, width, bufs, stamp, amodal_bands[b])


@numba.njit(cache=True, parallel=True)
def _compose_over_sky(rgba, sky, out):
    """out = rgb + (1 - alpha) * sky in 8-bit integer arithmetic, rounded to nearest.

    rgba : (H, W, 4) uint8, colour premultiplied by coverage (as OpenGL resolves it over a
    transparent black background); sky : (H, W, 3) uint8; out : (H, W, 3) uint8.
    """
    H, W = rgba.shape[0], rgba.shape[1]
    for i in numba.prange(H):
        for j in range(W):
            clear = 255 - np.int32(rgba[i, j, 3])
            for c in range(3):
                value = np.int32(rgba[i, j, c]) + (clear * np.int32(sky[i, j, c]) + 127) // 255
                out[i, j, c] = min(value, 255)


# --------------------------------------------------------------------------- camera pipeline

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S16, _S32 = np.uint64(16), np.uint64(32)


@numba.njit(cache=True, inline="always")
def _splitmix64(key, index):
    """Counter-based 64 random bits of element ``index`` under ``key`` (SplitMix64's output
    function on key + index * golden ratio): the same bits whichever thread asks."""
    z = key + np.uint64(index) * _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@numba.njit(cache=True, inline="always")
def _isp_sample(rgb, decode, i, j, c, x, y):
    """Decoded channel ``c`` bilinearly sampled at (x, y) (inside the image)."""
    H, W = rgb.shape[0], rgb.shape[1]
    x0, y0 = int(x), int(y)
    x1, y1 = min(x0 + 1, W - 1), min(y0 + 1, H - 1)
    ax, ay = x - x0, y - y0
    a = decode[rgb[y0, x0, c]]
    top = a + ax * (decode[rgb[y0, x1, c]] - a)
    a = decode[rgb[y1, x0, c]]
    bottom = a + ax * (decode[rgb[y1, x1, c]] - a)
    return top + ay * (bottom - top)


@numba.njit(cache=True, inline="always")
def _isp_finish(s, tone, noisy, shot2, read2, z, encode):
    """Tone curve (``tone``: its samples over [0, 1.25], linearly interpolated; empty:
    linear, clipped), noise (``z`` a unit Gaussian deviate) and 8-bit encoding of ``s``."""
    n = tone.shape[0]
    if n > 0:
        x = min(max(s, 0.0), 1.25) * ((n - 1) / 1.25)
        k = min(int(x), n - 2)
        s = tone[k] + (x - k) * (tone[k + 1] - tone[k])
    s = min(max(s, 0.0), 1.0)
    if noisy:
        s = min(max(s + z * math.sqrt(shot2 * s + read2), 0.0), 1.0)
    return encode[np.int64(s * 65535.0 + 0.5)]


@numba.njit(cache=True, parallel=True)
def _isp_pixels(rgb, gain, aberration, noise, key, decode, tone, gauss, encode, out):
    """The fused per-pixel camera pipeline of sim.render.isp (see its docstring).

    rgb, out : (H, W, 3) uint8; gain : (H, W) float32, exposure times vignetting;
    aberration : (2, W + H) float64, where red (row 0) and blue (row 1) are sampled: x of
    each column then y of each row (empty: no chromatic aberration); noise : float64
    [shot_noise^2, read_noise^2]; key : uint64 noise key; decode : (256,) float64 sRGB ->
    linear; tone : the tone curve's samples (see _isp_finish); gauss : (2**bits,) float64
    unit Gaussian quantiles, indexed by the low bits of each 16-bit field of the pixel's
    hash (red, green, blue from the lowest field up); encode : (65536,) uint8 linear /
    65535 -> sRGB.
    """
    H, W = rgb.shape[0], rgb.shape[1]
    shifted = aberration.shape[1] > 0
    shot2, read2 = noise[0], noise[1]
    noisy = shot2 > 0.0 or read2 > 0.0
    mask = np.uint64(gauss.shape[0] - 1)
    for i in numba.prange(H):
        for j in range(W):
            g = np.float64(gain[i, j])
            if shifted:
                r = _isp_sample(rgb, decode, i, j, 0, aberration[0, j], aberration[0, W + i])
                b = _isp_sample(rgb, decode, i, j, 2, aberration[1, j], aberration[1, W + i])
            else:
                r = decode[rgb[i, j, 0]]
                b = decode[rgb[i, j, 2]]
            gr = decode[rgb[i, j, 1]]
            zr = zg = zb = 0.0
            if noisy:
                bits = _splitmix64(key, i * W + j)
                zr = gauss[np.int64(bits & mask)]
                zg = gauss[np.int64((bits >> _S16) & mask)]
                zb = gauss[np.int64((bits >> _S32) & mask)]
            out[i, j, 0] = _isp_finish(r * g, tone, noisy, shot2, read2, zr, encode)
            out[i, j, 1] = _isp_finish(gr * g, tone, noisy, shot2, read2, zg, encode)
            out[i, j, 2] = _isp_finish(b * g, tone, noisy, shot2, read2, zb, encode)
