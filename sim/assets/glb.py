"""Write and read the asset GLB files (glTF 2.0 binary), byte-for-byte deterministic.

Layout written by :func:`write_glb` (and the only layout :func:`read_glb` accepts):

* one node + one mesh per part, both named by the part name, no transforms, no materials;
* one triangle primitive per mesh with ``POSITION`` (float32 VEC3, asset frame [m], snapped
  to the micrometre so that the bytes do not depend on the platform's last-bit rounding),
  ``COLOR_0`` (normalized uint8 RGBA) and ``indices`` (uint16, or uint32 past 65535 vertices);
* glTF has no face colours, so every vertex carries the colour of all faces that use it.
  The writer refuses a mesh where faces sharing a vertex differ in colour (the builders keep
  one colour per closed component), which makes vertex -> face colours exact on reading.

The file is written by this module rather than by trimesh's exporter so that its bytes depend
only on this code and the geometry; trimesh (and pyrender) still read it as an ordinary GLB
with vertex colours.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

_MAGIC = 0x46546C67  # b"glTF"
_JSON = 0x4E4F534A
_BIN = 0x004E4942
_FLOAT, _UBYTE, _USHORT, _UINT = 5126, 5121, 5123, 5125
_DTYPES = {_FLOAT: np.float32, _UBYTE: np.uint8, _USHORT: np.uint16, _UINT: np.uint32}
_NCOMP = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}


def vertex_colors_from_faces(
    faces: np.ndarray, face_colors: np.ndarray, n_vertices: int
) -> np.ndarray:
    """(V, 4) uint8 colours such that every face's three vertices carry that face's colour.

    Raises ValueError when two faces sharing a vertex have different colours.
    """
    vc = np.zeros((n_vertices, 4), dtype=np.uint8)
    flat = faces.reshape(-1)
    col = np.repeat(face_colors, 3, axis=0)
    vc[flat] = col
    if not np.array_equal(vc[flat], col):
        raise ValueError("faces sharing a vertex have different colours")
    return vc


def encode_glb(
    parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], generator: str
) -> bytes:
    """GLB bytes for ``parts``: a list of (name, vertices (V, 3), faces (F, 3), face_colors
    (F, 4) uint8)."""
    blob = bytearray()
    accessors: list[dict] = []
    views: list[dict] = []
    meshes: list[dict] = []
    nodes: list[dict] = []

    def add_view(data: bytes) -> int:
        while len(blob) % 4:
            blob.append(0)
        views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": len(data)})
        blob.extend(data)
        return len(views) - 1

    for name, vertices, faces, face_colors in parts:
        # snapped to the micrometre (and -0 to +0) first: math libraries differ in the last
        # bits of values like cos(pi / 2), which would otherwise change the file's bytes
        v32 = np.ascontiguousarray(
            np.round(np.asarray(vertices, dtype=np.float64), 6) + 0.0, dtype=np.float32
        )
        f = np.asarray(faces, dtype=np.int64)
        fc = np.asarray(face_colors, dtype=np.uint8)
        vc = vertex_colors_from_faces(f, fc, len(v32))
        idx_type = _USHORT if len(v32) <= 65535 else _UINT
        idx = np.ascontiguousarray(f.reshape(-1), dtype=_DTYPES[idx_type])
        a_idx = len(accessors)
        accessors.append(
            {
                "bufferView": add_view(idx.tobytes()),
                "componentType": idx_type,
                "count": int(idx.size),
                "type": "SCALAR",
            }
        )
        accessors.append(
            {
                "bufferView": add_view(v32.tobytes()),
                "componentType": _FLOAT,
                "count": int(len(v32)),
                "type": "VEC3",
                "min": [float(x) for x in v32.min(axis=0)],
                "max": [float(x) for x in v32.max(axis=0)],
            }
        )
        accessors.append(
            {
                "bufferView": add_view(np.ascontiguousarray(vc).tobytes()),
                "componentType": _UBYTE,
                "normalized": True,
                "count": int(len(vc)),
                "type": "VEC4",
            }
        )
        meshes.append(
            {
                "name": name,
                "primitives": [
                    {
                        "attributes": {"POSITION": a_idx + 1, "COLOR_0": a_idx + 2},
                        "indices": a_idx,
                        "mode": 4,
                    }
                ],
            }
        )
        nodes.append({"name": name, "mesh": len(meshes) - 1})
    while len(blob) % 4:
        blob.append(0)
    doc = {
        "asset": {"version": "2.0", "generator": generator},
        "scene": 0,
        "scenes": [{"nodes": list(range(len(nodes)))}],
        "nodes": nodes,
        "meshes": meshes,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(blob)}],
    }
    js = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")
    js += b" " * (-len(js) % 4)
    total = 12 + 8 + len(js) + 8 + len(blob)
    out = bytearray(struct.pack("<III", _MAGIC, 2, total))
    out += struct.pack("<II", len(js), _JSON) + js
    out += struct.pack("<II", len(blob), _BIN) + bytes(blob)
    return bytes(out)


def write_glb(
    path: Path, parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], generator: str
) -> int:
    data = encode_glb(parts, generator)
    Path(path).write_bytes(data)
    return len(data)


def decode_glb(data: bytes) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Parts of a GLB written by :func:`encode_glb`: (name, vertices float64, faces int32,
    face_colors uint8).

    Raises ValueError if the file is not such a GLB.
    """
    if len(data) < 20:
        raise ValueError("file too short for GLB")
    magic, version, total = struct.unpack_from("<III", data, 0)
    if magic != _MAGIC or version != 2 or total != len(data):
        raise ValueError("not a glTF 2.0 binary file (bad header)")
    jlen, jtype = struct.unpack_from("<II", data, 12)
    if jtype != _JSON:
        raise ValueError("first GLB chunk is not JSON")
    doc = json.loads(data[20 : 20 + jlen].decode("utf-8"))
    off = 20 + jlen
    if off + 8 > len(data):
        raise ValueError("GLB has no binary chunk")
    blen, btype = struct.unpack_from("<II", data, off)
    if btype != _BIN:
        raise ValueError("second GLB chunk is not BIN")
    blob = memoryview(data)[off + 8 : off + 8 + blen]

    def accessor(i: int) -> np.ndarray:
        acc = doc["accessors"][i]
        view = doc["bufferViews"][acc["bufferView"]]
        if view.get("byteStride"):
            raise ValueError("interleaved buffer views are not supported")
        dt = np.dtype(_DTYPES[acc["componentType"]])
        nc = _NCOMP[acc["type"]]
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        arr = np.frombuffer(blob, dtype=dt, count=acc["count"] * nc, offset=start)
        return arr.reshape(acc["count"], nc) if nc > 1 else arr

    parts = []
    for node in doc.get("nodes", []):
        if "matrix" in node or "translation" in node or "rotation" in node or "scale" in node:
            raise ValueError(f"node {node.get('name')!r} has a transform")
        mesh = doc["meshes"][node["mesh"]]
        if len(mesh["primitives"]) != 1:
            raise ValueError(f"mesh {mesh.get('name')!r} must have exactly one primitive")
        prim = mesh["primitives"][0]
        if prim.get("mode", 4) != 4:
            raise ValueError("only triangle primitives are supported")
        v = accessor(prim["attributes"]["POSITION"]).astype(np.float64)
        f = accessor(prim["indices"]).astype(np.int32).reshape(-1, 3)
        vc = accessor(prim["attributes"]["COLOR_0"])
        if vc.dtype != np.uint8:
            raise ValueError("COLOR_0 must be uint8")
        if f.size and (f.min() < 0 or f.max() >= len(v)):
            raise ValueError("face index out of range")
        fc = np.ascontiguousarray(vc[f[:, 0]])
        parts.append((node.get("name", mesh.get("name", "")), v, f, fc))
    return parts


def read_glb(path: Path) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    return decode_glb(Path(path).read_bytes())
