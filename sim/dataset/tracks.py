"""tracks.csv: every agent in the scene at every physics step (one row per step and agent;
a steady background's vehicles only while they are in the scene)."""

from __future__ import annotations

import io

from sim.traffic.setup import AgentInfo
from sim.traffic.world import Trajectory

HEADER = "step,t,id,cls,x,y,z,yaw,speed,accel,steer,length,width,height,road,lane,collided"


def tracks_csv(traj: Trajectory, agents: list[AgentInfo]) -> bytes:
    out = io.StringIO()
    out.write(HEADER + "\n")
    for k in range(traj.t.shape[0]):
        t = traj.t[k]
        for i, a in enumerate(agents):
            if traj.active is not None and not traj.active[k, i]:
                continue
            length, w, h = a.size
            out.write(
                f"{k},{t:.3f},{a.id},{a.cls},{traj.x[k, i]:.4f},{traj.y[k, i]:.4f},0.0000,"
                f"{traj.yaw[k, i]:.6f},{traj.v[k, i]:.4f},{traj.a[k, i]:.4f},"
                f"{traj.steer[k, i]:.6f},"
                f"{length:.4f},{w:.4f},{h:.4f},{traj.road[k, i]},{traj.lane[k, i]},"
                f"{int(traj.collided[k, i])}\n"
            )
    return out.getvalue().encode("ascii")
