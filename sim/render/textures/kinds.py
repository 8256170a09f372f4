"""The texture generators, one per kind: ``gen(rng) -> (H, W, 3) float32``, a linear
multiplier of the surface's own colour (the mesh's vertex colour) with a mean near 1.

Array rows run along texture v from the top (row 0 is v = 1, as OpenGL samples an
image uploaded by pyrender), columns along u. Every texture tiles (see :mod:`.noise`).
"""

from __future__ import annotations

import cv2
import numpy as np

from sim.render.textures.noise import (
    blobs,
    blur_wrap,
    grain,
    polyline,
    random_walk,
    spectral,
    wrapped,
)


def _v(h: int) -> np.ndarray:
    """(h, 1) texture v of each row (1 at the top row, 0 at the bottom)."""
    return (1.0 - (np.arange(h, dtype=np.float32) + 0.5) / h)[:, None]


def _grey(m: np.ndarray) -> np.ndarray:
    return np.repeat(m[..., None], 3, axis=2).astype(np.float32)


def _tint(m: np.ndarray, rgb) -> np.ndarray:
    return m[..., None] * np.asarray(rgb, np.float32)[None, None, :]


def asphalt(rng: np.random.Generator, tracks: bool = True, h: int = 512, w: int = 1024):
    """Asphalt over one lane (v across, 0..1 = one lane width) and 8 m along (u): aggregate
    grain with bright stones and dark pits, low-frequency tone, repair patches, cracks,
    oil stains; with ``tracks`` the wheel tracks polished darker and smoother, and a dark
    oil band down the lane's middle."""
    tone = 0.07 * spectral(rng, h, w, beta=2.6, aspect=2.0)
    fine = grain(rng, h, w, 0.6)
    stones = (rng.random((h, w)) < 0.012).astype(np.float32)
    stones = blur_wrap(stones, 0.7) * 6.0
    pits = (rng.random((h, w)) < 0.01).astype(np.float32)
    pits = blur_wrap(pits, 0.6) * 5.0
    v = _v(h)
    polish = np.zeros((h, 1), np.float32)
    if tracks:
        for centre in (0.25, 0.75):
            polish += np.exp(-0.5 * ((v - centre) / 0.07) ** 2)
        along = 0.6 + 0.4 * (0.5 + 0.5 * np.clip(spectral(rng, 1, w, beta=2.0)[0], -1, 1))
        polish = polish * along[None, :]
    rough = 1.0 - 0.6 * polish  # polished tracks: less grain
    m = 1.0 + tone + (0.13 * fine + 0.35 * stones - 0.3 * pits) * rough - 0.1 * polish
    if tracks:  # dripped oil down the middle of the lane
        band = np.exp(-0.5 * ((v - 0.5) / 0.06) ** 2)
        drip = np.clip(spectral(rng, h, w, beta=1.6, aspect=4.0), 0, None)
        m -= 0.12 * band * (0.4 + drip)
    # repair patches: sharp-edged rectangles, darker and finer (fresh) or lighter (old)
    for _ in range(int(rng.integers(0, 2))):  # few and faint: the tile repeats every 8 m
        pw, ph = int(rng.uniform(0.08, 0.3) * w), int(rng.uniform(0.15, 0.5) * h)
        x0, y0 = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        patch = np.zeros((h, w), np.float32)

        def draw(c, dx, dy, x0=x0, y0=y0, pw=pw, ph=ph):
            cv2.rectangle(c, (x0 + dx, y0 + dy), (x0 + dx + pw, y0 + dy + ph), 1.0, -1)

        wrapped(patch, draw)
        patch = blur_wrap(patch, 0.8)
        shade = rng.choice([-0.07, -0.04, 0.04])
        m = m * (1.0 + shade * patch) - 0.04 * patch * fine
        edge = np.abs(patch - blur_wrap(patch, 1.5)) * 4.0
        m -= 0.2 * np.clip(edge, 0, 1)  # the sealed joint around the patch
    cracks = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(4, 10))):
        start = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        pts = random_walk(rng, start, int(rng.integers(20, 80)), 6.0, 0.35)
        polyline(cracks, pts, 1.0, 1)
        if rng.random() < 0.5:  # a branch
            k = int(rng.integers(len(pts)))
            polyline(cracks, random_walk(rng, pts[k], 20, 5.0, 0.4), 0.8, 1)
    m -= 0.45 * np.clip(cracks, 0, 1)
    stains = blobs(rng, h, w, int(rng.integers(2, 6)), (10.0, 60.0))
    m -= 0.18 * stains * (0.6 + 0.4 * np.clip(fine, -1, 1))
    return _grey(np.clip(m, 0.15, None))


def marking(rng: np.random.Generator, h: int = 128, w: int = 512):
    """Lane-marking paint over 4 m (u) x 1 m (v): worn where a fractal field is low (the
    asphalt shows through, about the road's colour over the paint's), glass-bead grain."""
    wear = spectral(rng, h, w, beta=2.2, aspect=2.5) + 0.35 * spectral(rng, h, w, beta=1.2)
    level = float(np.quantile(wear, rng.uniform(0.15, 0.4)))
    worn = np.clip((level - wear) / 0.25, 0.0, 1.0)
    road = 0.33 * (1.0 + 0.15 * grain(rng, h, w, 0.6))
    paint = 1.0 + 0.06 * grain(rng, h, w, 0.5) + 0.04 * spectral(rng, h, w, beta=2.0)
    dirt = 0.1 * np.clip(spectral(rng, h, w, beta=2.4), 0, None)
    m = paint * (1 - worn) + road * worn - dirt
    return _grey(np.clip(m, 0.1, None))


def concrete(rng: np.random.Generator, joints: int = 2, h: int = 256, w: int = 256):
    """Concrete over 2 m x 2 m: mottled tone, pores, ``joints`` dark expansion joints across
    u (every 2 m / joints), edge chips and grime."""
    m = 1.0 + 0.07 * spectral(rng, h, w, beta=2.4) + 0.06 * grain(rng, h, w, 0.6)
    pores = blur_wrap((rng.random((h, w)) < 0.01).astype(np.float32), 0.6) * 4.0
    m -= 0.25 * pores
    for k in range(joints):
        x = int((k + 0.5) * w / max(joints, 1))
        m[:, max(0, x - 1) : x + 1] *= 0.55
    grime = np.clip(spectral(rng, h, w, beta=2.0), 0, None) * 0.08
    return _grey(np.clip(m - grime, 0.2, None))


def paving(rng: np.random.Generator, h: int = 512, w: int = 512):
    """Paving slabs 0.5 m x 0.5 m over 2 m x 2 m (8 x 8 per tile... 4 x 4), each its own
    tone, dark grout between, grain and a few cracked or stained slabs."""
    n = 4
    cell = w // n
    tones = 1.0 + rng.normal(0.0, 0.06, (n, n)).astype(np.float32)
    m = np.kron(tones, np.ones((h // n, cell), np.float32))
    m = m + 0.07 * grain(rng, h, w, 0.7) + 0.05 * spectral(rng, h, w, beta=2.2)
    yy, xx = np.mgrid[0:h, 0:w]
    grout = (((xx + 1) % cell) < 3) | (((yy + 1) % (h // n)) < 3)  # straddles the edges
    m[grout] *= 0.6
    m -= 0.15 * blobs(rng, h, w, int(rng.integers(1, 4)), (8.0, 30.0))
    cracks = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        start = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        polyline(cracks, random_walk(rng, start, 15, 5.0, 0.4), 1.0, 1)
    m -= 0.35 * cracks
    return _grey(np.clip(m, 0.2, None))


def grass(rng: np.random.Generator, h: int = 1024, w: int = 1024):
    """Grass over 12 m x 12 m with colour variation (dry yellowish and dark lush patches),
    blade-scale grain, clumps, and bare soil patches (brown)."""
    big = spectral(rng, h, w, beta=2.6)
    mid = spectral(rng, h, w, beta=1.8)
    blades = grain(rng, h, w, 0.8)
    dry = np.clip(0.5 + 0.5 * spectral(rng, h, w, beta=2.8), 0.0, 1.0)
    lum = 1.0 + 0.12 * big + 0.1 * mid + 0.22 * blades
    green = np.stack([0.92 + 0.25 * dry, 1.0 + 0.05 * dry, 0.85 + 0.1 * dry], axis=-1)
    m = lum[..., None] * green
    soil_field = spectral(rng, h, w, beta=2.4) + 0.4 * mid
    level = float(np.quantile(soil_field, 1.0 - rng.uniform(0.04, 0.12)))
    soil = np.clip((soil_field - level) / 0.3, 0.0, 1.0)[..., None]
    # soil colour (~ 110, 88, 64) over grass's (86, 118, 60), as a multiplier of it
    soil_rgb = np.array([1.35, 0.78, 1.05], np.float32) * (1.0 + 0.12 * blades[..., None])
    m = m * (1 - soil) + soil_rgb * soil
    return np.clip(m, 0.2, None).astype(np.float32)


def facade(rng: np.random.Generator, style: int, h: int = 512, w: int = 512):
    """A wall over 4 m x 4 m: brick (style 0), plaster (1) or concrete panels (2)."""
    if style == 0:  # bricks 0.24 x 0.075 m with mortar, each its own tone
        rows, cols = 64, 16
        bh, bw = h // rows, w // cols
        tones = 1.0 + rng.normal(0.0, 0.09, (rows, cols + 1)).astype(np.float32)
        m = np.empty((h, w), np.float32)
        for r in range(rows):
            shift = (bw // 2) * (r % 2)
            row = np.repeat(tones[r], bw)[shift : shift + w]
            m[r * bh : (r + 1) * bh] = row[None, :w]
        yy, xx = np.mgrid[0:h, 0:w]
        mortar = ((yy % bh) < 2) | (((xx + (bw // 2) * ((yy // bh) % 2)) % bw) < 2)
        m[mortar] = 1.25
        m = m + 0.06 * grain(rng, h, w, 0.7)
        rgb = np.array([1.0, 0.93, 0.9], np.float32)
    elif style == 1:  # plaster: soft mottling, streaks below sills, grime at the bottom
        m = 1.0 + 0.05 * spectral(rng, h, w, beta=2.8) + 0.04 * grain(rng, h, w, 1.0)
        streaks = np.clip(spectral(rng, h, w, beta=2.0, aspect=0.08), 0, None)
        m -= 0.07 * streaks
        rgb = np.array([1.0, 1.0, 0.98], np.float32)
    else:  # concrete panels 2 m wide, 1.33 m high, dark joints, tone per panel
        m = 1.0 + 0.05 * spectral(rng, h, w, beta=2.4) + 0.05 * grain(rng, h, w, 0.6)
        ph, pw = h // 3, w // 2
        for r in range(3):
            for c in range(2):
                m[r * ph : (r + 1) * ph, c * pw : (c + 1) * pw] *= 1.0 + rng.normal(0.0, 0.05)
        m[::ph, :] = 0.55
        m[:, ::pw] = 0.55
        rgb = np.array([0.98, 1.0, 1.02], np.float32)
    m -= 0.12 * np.clip(spectral(rng, h, w, beta=2.0), 0.0, None) * (1.0 - _v(h))
    return np.clip(_tint(m, rgb), 0.15, None).astype(np.float32)


def window(rng: np.random.Generator, h: int = 128, w: int = 128):
    """One window pane (fitted to the face): a light frame, a mullion, the sky's reflection
    as a bright gradient towards the top and dim interior blobs (curtains, rooms)."""
    v = _v(h)
    m = 0.7 + 0.9 * np.clip(v - 0.3, 0, 1) + 0.2 * spectral(rng, h, w, beta=2.4)
    m = m * (1.0 - 0.35 * blobs(rng, h, w, 3, (10.0, 40.0)))
    m = np.broadcast_to(m, (h, w)).copy()
    f = max(2, w // 16)
    m[:f], m[-f:], m[:, :f], m[:, -f:] = 2.4, 2.4, 2.4, 2.4  # frame
    m[:, w // 2 - 1 : w // 2 + 1] = 2.4
    return _grey(np.clip(m, 0.2, None))


def roof(rng: np.random.Generator, h: int = 256, w: int = 256):
    """Roof tiles over 2 m x 2 m: rows 0.25 m apart with a shadow line under each row."""
    rows = 8
    v = _v(h)
    phase = (v * rows) % 1.0
    m = 0.85 + 0.3 * phase + 0.06 * grain(rng, h, w, 0.8) + 0.06 * spectral(rng, h, w, beta=2.2)
    cols = np.floor(np.arange(w) / (w / 10))
    m = m * (1.0 + 0.04 * np.sin(cols * 2.3))[None, :]
    return _grey(np.clip(m, 0.2, None))


def foliage(rng: np.random.Generator, h: int = 512, w: int = 512):
    """Leaves over 2 m x 2 m: dark gaps between bright clumps, yellow-green to blue-green."""
    clumps = spectral(rng, h, w, beta=1.6)
    leaves = grain(rng, h, w, 1.2)
    lum = 1.0 + 0.25 * clumps + 0.2 * leaves
    lum = np.where(clumps + 0.5 * leaves < -1.2, 0.35, lum)  # holes into the dark canopy
    hue = np.clip(0.5 + 0.5 * spectral(rng, h, w, beta=2.4), 0, 1)
    rgb = np.stack([0.9 + 0.25 * hue, 1.0 + 0.04 * hue, 1.1 - 0.2 * hue], axis=-1)
    return np.clip(lum[..., None] * rgb, 0.15, None).astype(np.float32)


def bark(rng: np.random.Generator, h: int = 256, w: int = 256):
    """Bark over 1 m x 1 m: vertical furrows (dark) and ridges."""
    m = 1.0 + 0.25 * spectral(rng, h, w, beta=1.8, aspect=0.1) + 0.1 * grain(rng, h, w, 0.8)
    return _grey(np.clip(m, 0.2, None))


def metal(rng: np.random.Generator, h: int = 256, w: int = 256):
    """Painted or galvanised metal over 1 m x 1 m: brushed streaks along u, grime spots."""
    m = 1.0 + 0.05 * spectral(rng, h, w, beta=1.5, aspect=20.0) + 0.04 * grain(rng, h, w, 0.5)
    m -= 0.12 * blobs(rng, h, w, int(rng.integers(2, 6)), (6.0, 30.0))
    return _grey(np.clip(m, 0.2, None))


def rubber(rng: np.random.Generator, h: int = 128, w: int = 128):
    """Tyre rubber over 0.5 m x 0.5 m: tread-like bands across u, fine grain, dust."""
    u = np.arange(w, dtype=np.float32)[None, :]
    tread = 1.0 + 0.25 * (np.sin(u * 2 * np.pi * 12 / w) > 0.3)
    m = tread * (1.0 + 0.08 * grain(rng, h, w, 0.6))
    return _grey(np.clip(m, 0.2, None))


def dirt(rng: np.random.Generator, h: int = 256, w: int = 256):
    """Road grime for a vehicle's paint, fitted to the vehicle (v = height over its box):
    dust and splashes rising from the bottom, streaks down, sparse specks."""
    v = _v(h)
    rise = np.clip(1.0 - v / 0.45, 0.0, 1.0) ** 1.5
    field = np.clip(0.5 + 0.5 * spectral(rng, h, w, beta=1.8), 0.0, 1.0)
    splash = np.clip((field + 0.35 * grain(rng, h, w, 1.0)) * rise * 1.4, 0.0, 1.0)
    streaks = np.clip(spectral(rng, h, w, beta=1.6, aspect=0.05), 0, None) * 0.08
    specks = blur_wrap((rng.random((h, w)) < 0.004).astype(np.float32), 0.6) * 3
    grime = np.clip(splash + streaks + 0.15 * specks, 0.0, 1.0)[..., None]
    # dust ~ (120, 105, 85) as a colour; a multiplier that pulls towards it
    dust = np.array([0.62, 0.55, 0.45], np.float32)
    m = 1.0 * (1 - grime) + dust * grime + 0.02 * grain(rng, h, w, 0.5)[..., None]
    return np.clip(m, 0.15, None).astype(np.float32)


def plate(rng: np.random.Generator, h: int = 64, w: int = 256):
    """A number plate (fitted to the face): dark characters on the light ground, a rim."""
    m = np.ones((h, w), np.float32)
    n = 7
    x = int(0.08 * w)
    step = int(0.84 * w / n)
    for k in range(n):
        if k == 3:
            x += step // 2
            continue
        x0, y0 = x + 2, int(0.22 * h)
        gw, gh = step - 6, int(0.56 * h)
        strokes = rng.integers(2, 5)
        for _ in range(int(strokes)):  # a few bars make a glyph
            if rng.random() < 0.5:
                yy = y0 + int(rng.integers(0, 3)) * gh // 2
                cv2.line(m, (x0, yy), (x0 + gw, yy), 0.08, 3)
            else:
                xx = x0 + int(rng.integers(0, 2)) * gw
                cv2.line(m, (xx, y0), (xx, y0 + gh), 0.08, 3)
        x += step
    cv2.rectangle(m, (1, 1), (w - 2, h - 2), 0.15, 2)
    m = m * (1.0 + 0.03 * grain(rng, h, w, 0.6))
    return _grey(np.clip(m, 0.05, None))
