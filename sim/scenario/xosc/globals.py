"""Global actions: environment (time of day, sun, clouds, fog, rain), traffic swarms as
background traffic; traffic signal states and the rest are noted as dropped.

==========================  =============================================================
TimeOfDay dateTime          environment.time_of_day (hours of the clock time)
Sun elevation, azimuth      sun_elevation_deg, sun_azimuth_deg (OpenSCENARIO: clockwise from
                            north; sim: counter-clockwise from +x = east)
cloudState /                cloud_cover (free 0, cloudy 0.5, overcast/rainy 0.9;
fractionalCloudCover        n oktas: n/8)
Fog visualRange             the ``fog`` perturbation with that visibility
Precipitation rain / snow   the ``rain`` perturbation
TrafficSwarmAction          background: numberOfVehicles over the road (velocity: speed)
==========================  =============================================================
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

from sim.scenario.xosc.context import Ctx

_CLOUDS = {"free": 0.0, "cloudy": 0.5, "overcast": 0.9, "rainy": 0.9, "skyOff": 0.0}
_OKTAS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def global_action(ctx: Ctx, g: ET.Element, where: str, at: float | None = 0.0) -> None:
    """``at`` [s]: when the action runs (None: at a trigger that is not a time)."""
    if len(g) == 0:
        return
    kind = g[0]
    if kind.tag == "EnvironmentAction":
        env = kind.find("Environment")
        ref = kind.find("CatalogReference")
        if env is None and ref is not None:
            env = ctx.catalogs.resolve(ref)
        if env is not None:
            environment(ctx, env)
        return
    if kind.tag == "EntityAction":
        ctx.note(kind, f"{where}: EntityAction (add/delete an entity) not supported")
        return
    if kind.tag == "InfrastructureAction":
        _signal_state(ctx, kind, where, at)  # (for the import onto the map)
        ctx.note(
            kind,
            f"{where}: traffic signal actions dropped (sim roads have no OpenDRIVE signals)",
        )
        return
    if kind.tag == "TrafficAction":
        swarm = kind.find("TrafficSwarmAction")
        if swarm is not None:
            n = ctx.params.integer(swarm, "numberOfVehicles", 0) or 0
            ctx.background = {"count": min(n, 500)}
            v = ctx.num(swarm, "velocity", None)
            if v is not None and v >= 0:
                ctx.background["speed"] = min(v, 80.0)
            ctx.note(
                swarm,
                f"TrafficSwarmAction as {min(n, 500)} background vehicles over the road "
                "(not a swarm kept around the central object)",
            )
            return
    ctx.note(kind, f"{where}: global action {kind.tag} not supported")


LAMPS = ("red", "amber", "green")  # a three-lamp head's order in a state like "off;off;on"
WORDS = {"red": "red", "stop": "red", "yellow": "amber", "amber": "amber", "green": "green",
         "go": "green"}  # fmt: skip


def signal_word(text: str) -> str | None:
    """sim's state of an OpenSCENARIO signal state: a word ('green', 'red', 'yellow') or a
    three-lamp 'red;yellow;green' pattern of on/off ('off;off;on' is green; red with yellow
    is still red); None when it is neither."""
    text = text.strip().lower()
    if text in WORDS:
        return WORDS[text]
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != 3 or not set(parts) <= {"on", "off"}:
        return None
    on = [lamp for lamp, p in zip(LAMPS, parts, strict=True) if p == "on"]
    if "green" in on:
        return "green"
    if on == ["amber"]:
        return "amber"
    return "red" if "red" in on else None


def _signal_state(ctx: Ctx, kind: ET.Element, where: str, at: float | None) -> None:
    """A TrafficSignalStateAction, kept in ``ctx.signal_states`` for the map import."""
    action = kind.find("./TrafficSignalAction/TrafficSignalStateAction")
    if action is None:
        if kind.find("./TrafficSignalAction/TrafficSignalControllerAction") is not None:
            ctx.note(kind, f"{where}: TrafficSignalControllerAction (a phase) not supported")
        return
    name, text = ctx.text(action, "name", ""), ctx.text(action, "state", "")
    state = signal_word(str(text))
    if state is None:
        ctx.note(action, f"{where}: signal state {text!r} is not one sim knows; dropped")
    elif at is None:
        ctx.note(action, f"{where}: a signal state set by a trigger that is not a time; dropped")
    else:
        ctx.signal_states.append({"at": round(at, 6), "signal": str(name), "state": state})


def environment(ctx: Ctx, env: ET.Element) -> None:
    out = ctx.environment
    tod = env.find("TimeOfDay")
    if tod is not None and tod.get("dateTime"):
        text = ctx.text(tod, "dateTime")
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ctx.docs.error(tod, f"<TimeOfDay dateTime={text!r}>: not ISO 8601") from None
        out["time_of_day"] = when.hour + when.minute / 60.0 + when.second / 3600.0
        if ctx.params.boolean(tod, "animation"):
            ctx.note(tod, "TimeOfDay animation: the time stands still")
    weather = env.find("Weather")
    if weather is None:
        return
    cloud = ctx.text(weather, "cloudState")
    frac = ctx.text(weather, "fractionalCloudCover")
    if frac and frac.endswith("Oktas") and frac[:-5] in _OKTAS:
        out["cloud_cover"] = min(_OKTAS.index(frac[:-5]) / 8.0, 1.0)
    elif cloud in _CLOUDS:
        out["cloud_cover"] = _CLOUDS[cloud]
    sun = weather.find("Sun")
    if sun is not None:
        elev = math.degrees(ctx.num(sun, "elevation", 0.8))
        azim = math.degrees(ctx.num(sun, "azimuth", 0.0))
        out["sun_elevation_deg"] = min(max(elev, -10.0), 90.0)
        out["sun_azimuth_deg"] = ((90.0 - azim) + 360.0) % 360.0
        if sun.get("intensity") is not None or sun.get("illuminance") is not None:
            ctx.note(sun, "Sun intensity: sim's default sun strength")
    perturb = out.setdefault("_perturbations", [])
    fog = weather.find("Fog")
    if fog is not None and fog.get("visualRange") is not None:
        vis = max(ctx.num(fog, "visualRange", 1000.0), 1.0)
        perturb.append({"name": "fog", "params": {"visibility": vis}})
    rain = weather.find("Precipitation")
    if rain is not None:
        kind = ctx.text(rain, "precipitationType", "dry")
        amount = ctx.num(rain, "precipitationIntensity", None)
        amount = ctx.num(rain, "intensity", 0.0) if amount is None else amount
        if kind in ("rain", "snow") and (amount or 0.0) > 0.0:
            perturb.append({"name": "rain"})
            if kind == "snow":
                ctx.note(rain, "snow rendered as rain")
    if not perturb:
        out.pop("_perturbations")
    if weather.find("Wind") is not None:
        ctx.note(weather, "Wind: not modelled")
