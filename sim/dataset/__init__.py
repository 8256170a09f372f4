"""Datasets: the episode runner, the writers (native, COCO, KITTI, YOLO), dataset generation
over local processes or Ray, and the dataset check and report."""
