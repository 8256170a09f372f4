"""The `cityscapes` output format: semantic PNGs in Cityscapes' labelId and trainId form,
checked against the label table of the official `cityscapesscripts`."""

from __future__ import annotations

import numpy as np
import pytest
from cityscapesscripts.helpers.labels import id2label, name2label

from sim.cityscapes import (
    CITYSCAPES_OF,
    LABEL_ID_LUT,
    LABELS,
    TRAIN_ID_LUT,
    instance_ids,
)
from sim.classes import BY_NAME, CLASSES
from sim.dataset.io import read_png

from helpers.episodes import run_sim


def test_every_row_sim_uses_is_cityscapes_own():
    for name, row in LABELS.items():
        ref = name2label[name]
        assert (row.label_id, row.train_id, row.has_instances) == (
            ref.id,
            ref.trainId,
            ref.hasInstances,
        ), name


def test_every_sim_class_maps_to_its_cityscapes_ids_and_trainids_round_trip():
    assert set(CITYSCAPES_OF) == {c.name for c in CLASSES}
    for c in CLASSES:
        ref = name2label[CITYSCAPES_OF[c.name]]
        assert LABEL_ID_LUT[c.id] == ref.id and TRAIN_ID_LUT[c.id] == ref.trainId, c.name
        # labelId -> trainId through Cityscapes' own table agrees with the trainIds written
        assert id2label[int(LABEL_ID_LUT[c.id])].trainId == TRAIN_ID_LUT[c.id]
    assert TRAIN_ID_LUT[BY_NAME["car"].id] == 13 and TRAIN_ID_LUT[BY_NAME["road"].id] == 0
    assert TRAIN_ID_LUT[BY_NAME["barrier"].id] == 255  # guard rail: ignored in training


def test_instance_ids_number_objects_per_class_within_the_image():
    car, ped, road = BY_NAME["car"].id, BY_NAME["pedestrian"].id, BY_NAME["road"].id
    semantic = np.array([[car, car, ped, road]], dtype=np.uint8)
    instance = np.array([[7, 3, 9, 0]], dtype=np.uint16)
    out = instance_ids(semantic, instance)
    assert out.dtype == np.uint16
    assert out.tolist() == [[26001, 26000, 24000, 7]]


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    out = tmp_path_factory.mktemp("cs") / "ep"
    proc = run_sim(
        "run",
        "scenarios/cut_in.yaml",
        "--out",
        str(out),
        "--quiet",
        "--set",
        "outputs.formats=[native, cityscapes]",
        "--set",
        "duration=0.5",
        "--set",
        "sensors.cameras.0.width=160",
        "--set",
        "sensors.cameras.0.height=90",
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_the_export_holds_the_semantic_buffer_in_cityscapes_ids(episode):
    semantic_files = sorted((episode / "frames" / "front" / "semantic").glob("*.png"))
    assert semantic_files
    for sem_file in semantic_files:
        stem = f"sim_000000_{sem_file.stem}"
        base = episode / "cityscapes" / "front"
        semantic = read_png(sem_file)
        label_ids = read_png(base / f"{stem}_gtFine_labelIds.png")
        train_ids = read_png(base / f"{stem}_gtFine_trainIds.png")
        inst = read_png(base / f"{stem}_gtFine_instanceIds.png")
        assert (base / f"{stem}_leftImg8bit.png").read_bytes() == (
            episode / "frames" / "front" / "rgb" / sem_file.name
        ).read_bytes()
        for sim_id in np.unique(semantic):
            here = semantic == sim_id
            ref = name2label[CITYSCAPES_OF[next(c.name for c in CLASSES if c.id == sim_id)]]
            assert set(np.unique(label_ids[here])) == {ref.id}
            assert set(np.unique(train_ids[here])) == {ref.trainId}
        # instanceIds: labelId on stuff, labelId*1000+k on objects, each sim object one id
        sim_inst = read_png(episode / "frames" / "front" / "instance" / sem_file.name)
        assert np.array_equal(inst // 1000 * (inst >= 1000) + inst * (inst < 1000), label_ids)
        for obj in np.unique(sim_inst[sim_inst > 0]):
            assert len(np.unique(inst[sim_inst == obj])) == 1
