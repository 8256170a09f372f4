"""The asset library: committed files equal a fresh build, every mesh keeps the frame
contract, and the run-time package never imports the build-time one."""

from __future__ import annotations

import ast
import filecmp
import subprocess
import sys

import numpy as np
import pytest
import trimesh

from sim.assetgen.geometry import check_closed, signed_volume
from sim.assets import default_assets_dir, load_catalog
from sim.assets.parts import PART_INDEX
from sim.classes import BY_NAME
from sim.errors import AssetError

from helpers.paths import REPO


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_committed_assets_equal_a_fresh_build(tmp_path):
    out = tmp_path / "assets"
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_assets.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "assets" in proc.stdout
    committed = default_assets_dir()
    fresh = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    have = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert fresh == have
    match, mismatch, errors = filecmp.cmpfiles(
        committed, out, [str(p) for p in fresh], shallow=False
    )
    assert not mismatch and not errors, "assets/ is stale: run python tools/make_assets.py"


def test_library_covers_the_classes_scenarios_need(catalog):
    classes = {catalog.info(n).cls for n in catalog.names()}
    assert {"car", "van", "truck", "bus", "motorcycle", "bicycle", "pedestrian"} <= classes
    for name in ("sedan", "hatchback", "suv", "van", "truck"):
        assert len(catalog.info(name).variants) >= 3
        assert len(catalog.info(name).paint_colors) >= 4
    assert all(catalog.info(n).cls in BY_NAME for n in catalog.names())


def test_every_mesh_is_closed_outward_and_fills_its_box(catalog):
    for name in catalog.names():
        info = catalog.info(name)
        for k, var in enumerate(info.variants):
            length, w, h = var.size
            los, his = [], []
            for pose in range(len(var.pose_files)):
                m = catalog.mesh(name, k, pose=pose)
                los.append(m.vertices.min(axis=0))
                his.append(m.vertices.max(axis=0))
                assert m.faces.dtype == np.int32 and m.face_colors.shape == (len(m.faces), 4)
                # CCW seen from outside: the enclosed volume is positive (back faces get culled)
                assert signed_volume(m.vertices, m.faces) > 0, var.name
            # origin at the bottom centre, extents exactly the catalog size (for a walk cycle:
            # the union of its poses, so the box does not breathe from frame to frame)
            np.testing.assert_allclose(
                np.min(los, axis=0), [-length / 2, -w / 2, 0.0], atol=1e-5, err_msg=var.name
            )
            np.testing.assert_allclose(
                np.max(his, axis=0), [length / 2, w / 2, h], atol=1e-5, err_msg=var.name
            )


def test_parts_are_closed_components(catalog):
    m = catalog.mesh("sedan", 0)
    for part in np.unique(m.face_parts):
        faces = m.faces[m.face_parts == part]
        assert check_closed(m.vertices, faces, min_area=0.0) is None


def test_vehicle_has_wheels_glass_and_lights_where_they_belong(catalog):
    m = catalog.mesh("sedan", 0)
    length, w, h = m.size
    centers = m.vertices[m.faces].mean(axis=1)

    def part(name):
        return centers[m.face_parts == PART_INDEX[name]]

    tyres = part("tyre")
    assert len(tyres) and tyres[:, 2].max() < 0.45 * h  # wheels at the bottom
    assert (tyres[:, 0] > 0).any() and (tyres[:, 0] < 0).any()  # front and rear axles
    assert (tyres[:, 1] > 0).any() and (tyres[:, 1] < 0).any()  # left and right
    assert part("glass")[:, 2].mean() > 0.55 * h  # windows above the belt line
    assert part("light_front")[:, 0].min() > 0.3 * length
    assert part("light_rear")[:, 0].max() < -0.3 * length


def test_paint_recolours_only_paint_faces(catalog):
    plain = catalog.mesh("suv", 1)
    red = catalog.mesh("suv", 1, paint=(200, 10, 20))
    paint = plain.face_parts == PART_INDEX["paint"]
    assert paint.any() and (~paint).any()
    assert np.all(red.face_colors[paint, :3] == (200, 10, 20))
    np.testing.assert_array_equal(red.face_colors[~paint], plain.face_colors[~paint])
    assert not plain.face_colors.flags.writeable  # cached meshes are shared: read-only


def test_glb_files_are_ordinary_gltf(catalog):
    info = catalog.info("truck")
    scene = trimesh.load(catalog.root / info.variants[0].file, force="scene")
    assert len(scene.geometry) >= 4
    total = sum(len(g.faces) for g in scene.geometry.values())
    assert total == len(catalog.mesh("truck", 0).faces)


def test_pedestrians_have_a_walk_cycle(catalog):
    var = catalog.info("pedestrian_adult").variants[0]
    assert len(var.pose_files) >= 4
    a, b = catalog.mesh("pedestrian_adult", 0, pose=0), catalog.mesh("pedestrian_adult", 0, pose=1)
    assert a.vertices.shape == b.vertices.shape and not np.allclose(a.vertices, b.vertices)


def test_missing_library_says_how_to_build_it(tmp_path):
    with pytest.raises(AssetError, match="make_assets.py"):
        load_catalog(tmp_path)
    (tmp_path / "catalog.yaml").write_text(
        "version: 1\nassets:\n  x: {class: car, kind: vehicle, variants: "
        "[{name: x_0, file: x/x_0.glb, size: [4, 2, 1.5]}]}\n"
    )
    cat = load_catalog(tmp_path)
    with pytest.raises(AssetError, match="asset file missing.*make_assets.py"):
        cat.mesh("x", 0)
    with pytest.raises(AssetError, match="unknown asset 'y'"):
        cat.info("y")


def test_edge_case_assets_debris_and_animals(catalog):
    """Road debris (class debris, static) and animals (class animal, walkers with a walk cycle)."""
    for name in ("tire", "cardboard_box", "pallet", "ball"):
        info = catalog.info(name)
        assert (info.cls, info.kind) == ("debris", "static") and len(info.variants) >= 3
    for name, shoulder in (("deer", (0.7, 1.9)), ("dog", (0.25, 0.9))):
        info = catalog.info(name)
        assert (info.cls, info.kind) == ("animal", "pedestrian")
        for var in info.variants:
            assert len(var.pose_files) == 8
            # long, narrow
            assert shoulder[0] < var.size[2] < shoulder[1] and var.size[0] > var.size[1]
        # the legs move through the walk cycle
        a, b = catalog.mesh(name, 0, pose=0), catalog.mesh(name, 0, pose=2)
        assert not np.allclose(a.vertices, b.vertices)
    assert catalog.info("ball").paint_colors  # the plain ball takes the actor's colour
    sizes = [
        f.stat().st_size
        for n in ("tire", "cardboard_box", "pallet", "ball", "deer", "dog")
        for f in (default_assets_dir() / n).glob("*.glb")
    ]
    assert max(sizes) < 40_000  # small files


def test_run_time_code_never_imports_the_build_time_package():
    """sim.assetgen (procedural families, trimesh, shapely) is for tools/make_assets.py only."""
    offenders = []
    for path in sorted((REPO / "sim").rglob("*.py")):
        if "assetgen" in path.relative_to(REPO / "sim").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(REPO)}:{node.lineno}"
                for n in names
                if n == "sim.assetgen" or n.startswith("sim.assetgen.")
            ]
    assert not offenders
