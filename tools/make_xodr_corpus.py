# ruff: noqa: E501  (the XML templates keep one element per line)
"""Write the OpenDRIVE test corpus in tests/data/xodr/ (the files are committed; the tests
need neither this script nor its generators).

* ``geometries.xodr``: written here, element by element: one road of every plan-view kind
  (line, spiral from curvature 0, arc, spiral from curvature != 0, poly3, paramPoly3 with
  pRange normalized and arcLength) whose start poses are chained by scipy quadrature of the
  heading (independent of sim's evaluator), with lane sections, width polynomials, a lane
  offset, elevation, superelevation, road marks, a signal, a traffic light, an object, and
  a successor road linked lane by lane.
* ``sg_junction.xodr``: scenariogeneration's CommonJunctionCreator, a four-way junction of
  two-lane roads with a traffic light on one arm.
* ``sg_curve.xodr``: scenariogeneration's spiral-arc-spiral road with elevation,
  superelevation and a lane offset.

Run: ``.venv/bin/python tools/make_xodr_corpus.py [OUT_DIR]`` (needs scipy and
scenariogeneration: ``pip install scenariogeneration``).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from scipy.integrate import quad

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "xodr"
EPS = dict(epsabs=1e-13, epsrel=1e-13, limit=400)


def _turned(theta, length):
    """End (du, dv) in the start frame of a curve with local heading theta(w)."""
    du = quad(lambda w: math.cos(theta(w)), 0.0, length, **EPS)[0]
    dv = quad(lambda w: math.sin(theta(w)), 0.0, length, **EPS)[0]
    return du, dv


def _advance(x, y, h, du, dv, dh):
    return x + du * math.cos(h) - dv * math.sin(h), y + du * math.sin(h) + dv * math.cos(h), h + dh


def _poly_length(du, dv, p_end):
    return quad(lambda p: math.hypot(du(p), dv(p)), 0.0, p_end, **EPS)[0]


def geometries_xodr() -> str:
    pieces = []  # (length, xml body, end (du, dv, dh))
    pieces.append((100.0, "<line/>", (100.0, 0.0, 0.0)))
    k1 = 0.01
    pieces.append(
        (
            80.0,
            f'<spiral curvStart="0.0" curvEnd="{k1}"/>',
            (*_turned(lambda w: 0.5 * k1 / 80 * w * w, 80.0), 0.5 * k1 * 80),
        )
    )
    pieces.append((60.0, f'<arc curvature="{k1}"/>', (*_turned(lambda w: k1 * w, 60.0), k1 * 60)))
    k2 = -0.005
    c = (k2 - k1) / 50.0
    pieces.append(
        (
            50.0,
            f'<spiral curvStart="{k1}" curvEnd="{k2}"/>',
            (*_turned(lambda w: k1 * w + 0.5 * c * w * w, 50.0), k1 * 50 + 0.5 * c * 2500),
        )
    )
    a, b, cc, d = 0.0, 0.0, 0.002, -2e-5
    u_end = 60.0
    L = _poly_length(lambda p: 1.0, lambda p: b + 2 * cc * p + 3 * d * p * p, u_end)
    v_end = a + b * u_end + cc * u_end**2 + d * u_end**3
    dh = math.atan(b + 2 * cc * u_end + 3 * d * u_end**2)
    pieces.append((L, f'<poly3 a="{a}" b="{b}" c="{cc}" d="{d}"/>', (u_end, v_end, dh)))
    U = (0.0, 70.0, -4.0, 1.0)
    V = (0.0, 0.0, 6.0, -3.0)

    def du(p):
        return U[1] + 2 * U[2] * p + 3 * U[3] * p * p

    def dv(p):
        return V[1] + 2 * V[2] * p + 3 * V[3] * p * p

    L = _poly_length(du, dv, 1.0)
    body = (
        f'<paramPoly3 aU="{U[0]}" bU="{U[1]}" cU="{U[2]}" dU="{U[3]}" aV="{V[0]}" bV="{V[1]}" '
        f'cV="{V[2]}" dV="{V[3]}" pRange="normalized"/>'
    )
    pieces.append((L, body, (sum(U), sum(V), math.atan2(dv(1.0), du(1.0)))))
    # arcLength pRange: a unit-speed straight (u, v) = p (cos 0.1, sin 0.1) in a frame
    # turned -0.1 rad, so the reference line stays tangent-continuous
    cu, sv = math.cos(0.1), math.sin(0.1)
    body = (
        f'<paramPoly3 aU="0.0" bU="{cu!r}" cU="0.0" dU="0.0" aV="0.0" bV="{sv!r}" cV="0.0" '
        f'dV="0.0" pRange="arcLength"/>'
    )
    pieces.append((40.0, body, (40.0 * cu, 40.0 * sv, 0.1)))
    frame_turn = [0.0] * (len(pieces) - 1) + [-0.1]  # geometry hdg - tangent heading
    x, y, h, s = 0.0, 0.0, 0.0, 0.0
    geoms = []
    for (length, body, (pu, pv, ph)), turn in zip(pieces, frame_turn, strict=True):
        frame = h + turn
        geoms.append(
            f'      <geometry s="{s!r}" x="{x!r}" y="{y!r}" hdg="{frame!r}" length="{length!r}">'
            f"{body}</geometry>"
        )
        x, y, h = _advance(x, y, frame, pu, pv, ph)
        s += length
    total = s
    # lane -1 widens 3.5 -> 4.0 m from s = 50 to 200 with zero slope at both ends
    span = 150.0
    dw = -0.5 * 2 / span**3
    cw = 0.5 * 3 / span**2
    road1 = f"""  <road name="mixed" length="{total!r}" id="1" junction="-1" rule="RHT">
    <link><successor elementType="road" elementId="2" contactPoint="start"/></link>
    <type s="0.0" type="town"><speed max="50" unit="km/h"/></type>
    <planView>
{chr(10).join(geoms)}
    </planView>
    <elevationProfile>
      <elevation s="0.0" a="1.0" b="0.02" c="0.0" d="0.0"/>
      <elevation s="200.0" a="5.0" b="0.02" c="0.0001" d="0.0"/>
    </elevationProfile>
    <lateralProfile>
      <superelevation s="0.0" a="0.0" b="0.0" c="0.0" d="0.0"/>
      <superelevation s="180.0" a="0.05" b="0.0" c="0.0" d="0.0"/>
    </lateralProfile>
    <lanes>
      <laneOffset s="0.0" a="0.0" b="0.0" c="0.0" d="0.0"/>
      <laneOffset s="300.0" a="0.0" b="0.01" c="0.0" d="0.0"/>
      <laneSection s="0.0">
        <left>
          <lane id="2" type="sidewalk" level="true"><width sOffset="0.0" a="2.0" b="0.0" c="0.0" d="0.0"/></lane>
          <lane id="1" type="driving" level="false">
            <width sOffset="0.0" a="3.5" b="0.0" c="0.0" d="0.0"/>
            <roadMark sOffset="0.0" type="solid" weight="standard" color="standard" width="0.12"/>
          </lane>
        </left>
        <center>
          <lane id="0" type="none" level="false"><roadMark sOffset="0.0" type="broken" color="white" width="0.15" laneChange="both"/></lane>
        </center>
        <right>
          <lane id="-1" type="driving" level="false">
            <width sOffset="0.0" a="3.5" b="0.0" c="0.0" d="0.0"/>
            <width sOffset="50.0" a="3.5" b="0.0" c="{cw!r}" d="{dw!r}"/>
            <roadMark sOffset="0.0" type="solid" color="yellow" width="0.12"/>
            <speed sOffset="0.0" max="13.9" unit="m/s"/>
          </lane>
          <lane id="-2" type="shoulder" level="false"><width sOffset="0.0" a="1.5" b="0.0" c="0.0" d="0.0"/></lane>
        </right>
      </laneSection>
      <laneSection s="200.0">
        <left>
          <lane id="1" type="driving" level="false"><link><successor id="1"/></link><width sOffset="0.0" a="3.5" b="0.0" c="0.0" d="0.0"/></lane>
        </left>
        <center><lane id="0" type="none" level="false"/></center>
        <right>
          <lane id="-1" type="driving" level="false"><link><successor id="-1"/></link><width sOffset="0.0" a="4.0" b="0.0" c="0.0" d="0.0"/></lane>
          <lane id="-2" type="biking" level="false"><link><successor id="-2"/></link><width sOffset="0.0" a="1.8" b="0.0" c="0.0" d="0.0"/></lane>
          <lane id="-3" type="border" level="false"><width sOffset="0.0" a="0.5" b="0.0" c="0.0" d="0.0"/></lane>
        </right>
      </laneSection>
    </lanes>
    <objects>
      <object id="o1" s="50.0" t="-8.0" zOffset="0.0" type="pole" name="lamp" hdg="0.0" orientation="none" height="6.0" radius="0.1"/>
    </objects>
    <signals>
      <signal id="s1" s="90.0" t="-6.0" zOffset="2.5" name="light" dynamic="yes" orientation="+" country="DE" type="1000001" subtype="-1" height="0.8" width="0.3"/>
      <signal id="s2" s="20.0" t="-6.0" zOffset="2.0" name="limit" dynamic="no" orientation="+" country="DE" type="274" subtype="55" value="50" unit="km/h"/>
    </signals>
  </road>
"""
    road2 = f"""  <road name="exit" length="50.0" id="2" junction="-1">
    <link><predecessor elementType="road" elementId="1" contactPoint="end"/></link>
    <planView>
      <geometry s="0.0" x="{x!r}" y="{y!r}" hdg="{h!r}" length="50.0"><line/></geometry>
    </planView>
    <lanes>
      <laneSection s="0.0">
        <left><lane id="1" type="driving"><link><predecessor id="1"/></link><width sOffset="0.0" a="3.5" b="0.0" c="0.0" d="0.0"/></lane></left>
        <center><lane id="0" type="none"/></center>
        <right>
          <lane id="-1" type="driving"><link><predecessor id="-1"/></link><width sOffset="0.0" a="4.0" b="0.0" c="0.0" d="0.0"/></lane>
          <lane id="-2" type="biking"><link><predecessor id="-2"/></link><width sOffset="0.0" a="1.8" b="0.0" c="0.0" d="0.0"/></lane>
        </right>
      </laneSection>
    </lanes>
  </road>
"""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- written by tools/make_xodr_corpus.py: every plan-view geometry kind, start poses\n"
        "     chained by scipy quadrature -->\n"
        "<OpenDRIVE>\n"
        '  <header revMajor="1" revMinor="6" name="geometries" version="1.0">\n'
        "    <geoReference><![CDATA[+proj=utm +zone=32 +ellps=WGS84]]></geoReference>\n"
        "  </header>\n" + road1 + road2 + "</OpenDRIVE>\n"
    )


def sg_junction(path: Path) -> None:
    from scenariogeneration import xodr

    roads = [
        xodr.create_road(xodr.Line(100), id=i, left_lanes=1, right_lanes=1) for i in range(1, 5)
    ]
    roads[0].add_signal(
        xodr.Signal(
            s=95.0, t=-4.0, country="DE", Type="1000001", dynamic=xodr.Dynamic.yes, id="100"
        )
    )
    jc = xodr.CommonJunctionCreator(id=100, name="crossing", startnum=100)
    for road, angle in zip(roads, (0.0, math.pi / 2, math.pi, 3 * math.pi / 2), strict=True):
        jc.add_incoming_road_circular_geometry(road, 20.0, angle, "successor")
    for a in range(1, 5):
        for b in range(a + 1, 5):
            jc.add_connection(road_one_id=a, road_two_id=b)
    odr = xodr.OpenDrive("sg_junction")
    for road in roads:
        odr.add_road(road)
    odr.add_junction_creator(jc)
    odr.adjust_roads_and_lanes()
    odr.write_xml(str(path))


def sg_curve(path: Path) -> None:
    from scenariogeneration import xodr

    road = xodr.create_road(
        [xodr.Line(50), xodr.Spiral(0.0, 0.02, 40), xodr.Arc(0.02, 60), xodr.Spiral(0.02, 0.0, 40)],
        id=1,
        left_lanes=2,
        right_lanes=2,
        lane_width=3.25,
    )
    road.add_elevation(0.0, 0.0, 0.01, 0.0, 0.0)
    road.add_superelevation(0.0, 0.0, 0.0005, 0.0, 0.0)
    road.lanes.add_laneoffset(xodr.LaneOffset(0.0, 0.5, 0.0, 0.0, 0.0))
    odr = xodr.OpenDrive("sg_curve")
    odr.add_road(road)
    odr.adjust_roads_and_lanes()
    odr.write_xml(str(path))


def signal_junction(junction_xodr: str) -> str:
    """sg_junction.xodr with a traffic light on every arm, two controllers (east-west:
    signals 100 and 300; north-south: 200 and 400) and priorities 3 > 1 > 2 (hand-made)."""
    lights = {
        "2": '<signals><signal id="200" s="95.0" t="-4.0" subtype="-1" dynamic="yes" zOffset="1.5" type="1000001" orientation="+" country="DE" hOffset="0"/></signals>',
        "3": '<signals><signal id="300" s="95.0" t="-4.0" subtype="-1" dynamic="yes" zOffset="1.5" type="1000001" orientation="+" country="DE" hOffset="0"><validity fromLane="-1" toLane="-1"/></signal></signals>',
        "4": '<signals><signal id="400" s="95.0" t="-4.0" subtype="-1" dynamic="yes" zOffset="1.5" type="1000001" orientation="+" country="DE" hOffset="0"/></signals>',
    }
    out = junction_xodr.replace('name="sg_junction"', 'name="signal_junction"')
    for road_id, xml in lights.items():
        head = f'<road rule="RHT" id="{road_id}" junction="-1"'
        i = out.index(head)
        j = out.index("</road>", i)
        out = out[:j] + "    " + xml + "\n    " + out[j:]
    junction_extra = (
        '        <priority high="1" low="2"/>\n        <priority high="3" low="1"/>\n'
        '        <controller id="1" type="0"/>\n        <controller id="2" type="0"/>\n'
    )
    out = out.replace("    </junction>", junction_extra + "    </junction>")
    controllers = (
        '    <controller id="1" name="east-west"><control signalId="100" type="0"/>'
        '<control signalId="300" type="0"/></controller>\n'
        '    <controller id="2" name="north-south"><control signalId="200" type="0"/>'
        '<control signalId="400" type="0"/></controller>\n'
    )
    return out.replace("</OpenDRIVE>", controllers + "</OpenDRIVE>")


def _lane_xml(lane_id, kind, a, c=0.0, d=0.0, pred=(), succ=()):
    links = "".join(f'<predecessor id="{i}"/>' for i in pred)
    links += "".join(f'<successor id="{i}"/>' for i in succ)
    return (
        f'          <lane id="{lane_id}" type="{kind}" level="false"><link>{links}</link>'
        f'<width sOffset="0" a="{a!r}" b="0" c="{c!r}" d="{d!r}"/></lane>\n'
    )


def lane_drop_xodr() -> str:
    """Hand-made: road 1 (a 50 m line, then a 70 m arc of radius 100 m) with three driving
    lanes a side up to s = 60, two after it (lane links between the sections; a shoulder
    outside), followed by road 2 (a 40 m line, two lanes a side; lane -2 widens from 3.5 to
    4.5 m; 30 mph)."""
    k, arc = 0.01, 70.0
    x2, y2, h2 = 50.0 + math.sin(k * arc) / k, (1.0 - math.cos(k * arc)) / k, k * arc
    L2, dw = 40.0, 1.0
    c2, d2 = 3 * dw / L2**2, -2 * dw / L2**3
    s0 = (
        '      <laneSection s="0">\n        <left>\n'
        + _lane_xml(1, "driving", 3.5, succ=(1,))
        + _lane_xml(2, "driving", 3.5, succ=(2,))
        + _lane_xml(3, "driving", 3.5)
        + _lane_xml(4, "shoulder", 1.0, succ=(3,))
        + '        </left>\n        <center><lane id="0" type="none" level="false"/></center>\n'
        "        <right>\n"
        + _lane_xml(-1, "driving", 3.5, succ=(-1,))
        + _lane_xml(-2, "driving", 3.5, succ=(-2,))
        + _lane_xml(-3, "driving", 3.5)
        + _lane_xml(-4, "shoulder", 1.0, succ=(-3,))
        + "        </right>\n      </laneSection>\n"
    )
    s1 = (
        '      <laneSection s="60">\n        <left>\n'
        + _lane_xml(1, "driving", 3.5, pred=(1,), succ=(1,))
        + _lane_xml(2, "driving", 3.5, pred=(2,), succ=(2,))
        + _lane_xml(3, "shoulder", 1.0, pred=(4,))
        + '        </left>\n        <center><lane id="0" type="none" level="false"/></center>\n'
        "        <right>\n"
        + _lane_xml(-1, "driving", 3.5, pred=(-1,), succ=(-1,))
        + _lane_xml(-2, "driving", 3.5, pred=(-2,), succ=(-2,))
        + _lane_xml(-3, "shoulder", 1.0, pred=(-4,))
        + "        </right>\n      </laneSection>\n"
    )
    r2 = (
        '      <laneSection s="0">\n        <left>\n'
        + _lane_xml(1, "driving", 3.5, pred=(1,))
        + _lane_xml(2, "driving", 3.5, pred=(2,))
        + '        </left>\n        <center><lane id="0" type="none" level="false"/></center>\n'
        "        <right>\n"
        + _lane_xml(-1, "driving", 3.5, pred=(-1,))
        + _lane_xml(-2, "driving", 3.5, c2, d2, pred=(-2,))
        + "        </right>\n      </laneSection>\n"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OpenDRIVE>\n'
        '  <header revMajor="1" revMinor="6" name="lane_drop"/>\n'
        '  <road id="1" junction="-1" length="120.0">\n'
        '    <link><successor elementType="road" elementId="2" contactPoint="start"/></link>\n'
        '    <type s="0" type="rural"><speed max="80" unit="km/h"/></type>\n'
        "    <planView>\n"
        '      <geometry s="0" x="0" y="0" hdg="0" length="50"><line/></geometry>\n'
        f'      <geometry s="50" x="50" y="0" hdg="0" length="{arc!r}"><arc curvature="{k!r}"/></geometry>\n'
        "    </planView>\n    <lanes>\n" + s0 + s1 + "    </lanes>\n  </road>\n"
        f'  <road id="2" junction="-1" length="{L2!r}">\n'
        '    <link><predecessor elementType="road" elementId="1" contactPoint="end"/></link>\n'
        '    <type s="0" type="town"><speed max="30" unit="mph"/></type>\n'
        "    <planView>\n"
        f'      <geometry s="0" x="{x2!r}" y="{y2!r}" hdg="{h2!r}" length="{L2!r}"><line/></geometry>\n'
        "    </planView>\n    <lanes>\n" + r2 + "    </lanes>\n  </road>\n</OpenDRIVE>\n"
    )


def write_hand_made(out: Path = OUT) -> None:
    """The hand-made files (no generator needed; signal_junction is made from sg_junction)."""
    junction = (out / "sg_junction.xodr").read_text(encoding="utf-8")
    (out / "signal_junction.xodr").write_text(signal_junction(junction), encoding="utf-8")
    (out / "lane_drop.xodr").write_text(lane_drop_xodr(), encoding="utf-8")


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "geometries.xodr").write_text(geometries_xodr(), encoding="utf-8")
    sg_junction(out / "sg_junction.xodr")
    sg_curve(out / "sg_curve.xodr")
    write_hand_made(out)
    for p in sorted(out.glob("*.xodr")):
        print(p, p.stat().st_size)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
