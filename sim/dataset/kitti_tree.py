"""Dataset-wide KITTI trees, made from the episodes' per-episode KITTI files.

KITTI object (format ``kitti``), one tree per camera, laid out as the KITTI object benchmark
and the tools made for it expect; its root is ``DIR/kitti_object/<cam>/Kitti/raw`` so that
``torchvision.datasets.Kitti(root="DIR/kitti_object/<cam>")`` loads it as it is (mmdetection3d,
OpenPCDet and KITTI's devkit take the ``raw`` folder as their KITTI root)::

    .../Kitti/raw/training/image_2/NNNNNN.png   every frame of every split, numbered
    .../Kitti/raw/training/label_2/NNNNNN.txt   000000.. over the dataset (episode-index
    .../Kitti/raw/training/calib/NNNNNN.txt     order, then frame)
    .../Kitti/raw/ImageSets/{train,val,test,trainval}.txt   ids, one per line
    .../Kitti/raw/index.csv                     id,split,episode,frame

KITTI tracking (format ``kitti_tracking``), each episode one sequence::

    DIR/kitti_tracking/<cam>/training/image_02/SSSS/NNNNNN.png
    DIR/kitti_tracking/<cam>/training/label_02/SSSS.txt
    DIR/kitti_tracking/<cam>/training/calib/SSSS.txt
    DIR/kitti_tracking/<cam>/ImageSets/{train,val,test}.txt   sequence ids
    DIR/kitti_tracking/<cam>/index.csv                   sequence,split,episode

Everything in the training folders is a hard link to (or a copy of) the episode's own
file; validation and test frames live in ``training/`` too, selected by ``ImageSets``, as
KITTI's own train/val splits do. Ids are dense over the complete episodes, so a resumed run
renumbers: files a previous merge wrote that this one does not are removed (only inside
these trees, which hold nothing else).
"""

from __future__ import annotations

from pathlib import Path

from sim.dataset.config import SPLITS, EpisodeTask
from sim.dataset.io import link_or_copy, write_bytes_atomic

OBJECT = "kitti_object"
TRACKING = "kitti_tracking"


def _place(src: Path, dst: Path, written: list[Path]) -> None:
    link_or_copy(src, dst)  # replaces an old dst rather than writing through its link
    written.append(dst)


def _text(path: Path, lines: list[str], written: list[Path]) -> None:
    write_bytes_atomic(path, "".join(f"{line}\n" for line in lines).encode("utf-8"))
    written.append(path)


def _prune(tree: Path, keep: list[Path]) -> None:
    """Remove the files under ``tree`` that this merge did not write."""
    if not tree.is_dir():
        return
    kept = {p.resolve() for p in keep}
    for path in sorted(tree.rglob("*"), reverse=True):
        if path.is_file() and path.resolve() not in kept:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def object_tree(root: Path, tasks: list[EpisodeTask], cam: str) -> list[Path]:
    """The KITTI object tree of one camera over ``tasks`` (complete episodes, index order);
    the files written ([] if no episode has KITTI files of ``cam``)."""
    tree = root / OBJECT / cam / "Kitti" / "raw"
    written: list[Path] = []
    ids: dict[str, list[str]] = {s: [] for s in SPLITS}
    index = ["id,split,episode,frame"]
    n = 0
    for task in tasks:
        src = root / task.rel_dir / "kitti" / cam
        for image in sorted((src / "image_2").glob("*.png")):
            new = f"{n:06d}"
            _place(image, tree / "training" / "image_2" / f"{new}.png", written)
            for part in ("label_2", "calib"):
                name = f"{image.stem}.txt"
                _place(src / part / name, tree / "training" / part / f"{new}.txt", written)
            ids[task.split].append(new)
            index.append(f"{new},{task.split},{task.rel_dir},{image.stem}")
            n += 1
    if n:
        for split in SPLITS:
            _text(tree / "ImageSets" / f"{split}.txt", ids[split], written)
        _text(tree / "ImageSets" / "trainval.txt", sorted(ids["train"] + ids["val"]), written)
        _text(tree / "index.csv", index, written)
    _prune(tree, written)
    return written


def tracking_tree(root: Path, tasks: list[EpisodeTask], cam: str) -> list[Path]:
    """The KITTI tracking tree of one camera: each episode with KITTI tracking files of
    ``cam`` is one sequence, numbered 0000.. in episode-index order."""
    tree = root / TRACKING / cam
    written: list[Path] = []
    seqs: dict[str, list[str]] = {s: [] for s in SPLITS}
    index = ["sequence,split,episode"]
    n = 0
    for task in tasks:
        src = root / task.rel_dir / "kitti_tracking" / cam
        if not (src / "label_02" / "0000.txt").is_file():
            continue
        seq = f"{n:04d}"
        for image in sorted((src / "image_02" / "0000").glob("*.png")):
            _place(image, tree / "training" / "image_02" / seq / image.name, written)
        for part in ("label_02", "calib"):
            _place(src / part / "0000.txt", tree / "training" / part / f"{seq}.txt", written)
        seqs[task.split].append(seq)
        index.append(f"{seq},{task.split},{task.rel_dir}")
        n += 1
    if n:
        for split in SPLITS:
            _text(tree / "ImageSets" / f"{split}.txt", seqs[split], written)
        _text(tree / "index.csv", index, written)
    _prune(tree, written)
    return written
