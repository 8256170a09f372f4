"""Bad .xodr input: one clear OpenDriveError (a ScenarioError: exit 2) with file and line."""

from __future__ import annotations

import os
import time

import pytest

from sim.errors import ScenarioError
from sim.road.opendrive import OpenDriveError, load_opendrive, parse_opendrive

ROAD = """<OpenDRIVE><header revMajor="1" revMinor="6"/>
<road id="1" length="10" junction="-1">
  <planView><geometry s="0" x="0" y="0" hdg="0" length="10">{geometry}</geometry></planView>
  <lanes><laneSection s="0"><center><lane id="0" type="none"/></center>
    <right><lane id="-1" type="driving">{width}</lane></right></laneSection></lanes>
</road></OpenDRIVE>"""
WIDTH = '<width sOffset="0" a="3.5" b="0" c="0" d="0"/>'


def _xodr(geometry="<line/>", width=WIDTH) -> bytes:
    return ROAD.format(geometry=geometry, width=width).encode()


def _error(data: bytes) -> OpenDriveError:
    with pytest.raises(OpenDriveError) as info:
        parse_opendrive(data, "map.xodr")
    assert isinstance(info.value, ScenarioError)
    return info.value


def test_malformed_xml_names_line_and_column():
    err = _error(b"<OpenDRIVE>\n<header revMajor='1' revMinor='6'>\n</OpenDRIVE>")
    assert err.file == "map.xodr" and err.line == 3 and "not well-formed" in str(err)


def test_missing_attribute_names_the_element_and_its_line():
    err = _error(_xodr(geometry='<arc curvatur="0.1"/>'))
    assert err.line == 3 and "<geometry>" not in str(err)
    assert "<arc>: missing attribute 'curvature'" in str(err)
    assert str(err).startswith("map.xodr:3: ")


@pytest.mark.parametrize(
    "geometry,width,needle",
    [
        ('<spiral curvStart="0" curvEnd="abc"/>', WIDTH, "curvEnd='abc': expected a number"),
        ('<arc curvature="nan"/>', WIDTH, "expected a finite number"),
        ("<clothoid/>", WIDTH, "expected exactly one of line"),
        ("<line/>", "", "lane -1 has neither <width> nor <border>"),
        ('<paramPoly3 aU="0" bU="1" cU="0" dU="0" aV="0" bV="0" cV="0" dV="0" pRange="x"/>',
         WIDTH, "pRange='x'"),
    ],
)  # fmt: skip
def test_bad_values_are_refused(geometry, width, needle):
    assert needle in str(_error(_xodr(geometry, width)))


def test_wrong_root_and_duplicate_ids():
    assert "root element must be <OpenDRIVE>" in str(_error(b"<OpenSCENARIO/>"))
    data = _xodr().decode()
    road = data[data.index("<road") : data.index("</road>") + 7]
    assert "road id '1' is used twice" in str(_error(data.replace(road, road + road).encode()))


def test_billion_laughs_is_refused_before_any_expansion():
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    bomb = ("<?xml version='1.0'?>\n<!DOCTYPE OpenDRIVE [\n" + "\n".join(lol) + "\n]>\n"
            "<OpenDRIVE>&lol9;</OpenDRIVE>").encode()  # fmt: skip
    start = time.perf_counter()
    err = _error(bomb)
    assert time.perf_counter() - start < 0.5
    assert "DOCTYPE" in str(err) and err.line == 2


def test_external_entity_is_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    assert "not allowed" in str(_error(data))


def test_files_are_read_bounded_and_regular_only(tmp_path, monkeypatch):
    with pytest.raises(OpenDriveError, match="no such file"):
        load_opendrive(tmp_path / "missing.xodr")
    with pytest.raises(OpenDriveError, match="is a directory, expected a regular file"):
        load_opendrive(tmp_path)
    fifo = tmp_path / "pipe.xodr"
    os.mkfifo(fifo)
    with pytest.raises(OpenDriveError, match="is a FIFO"):
        load_opendrive(fifo)  # never opened: no hang
    big = tmp_path / "big.xodr"
    big.write_bytes(_xodr())
    monkeypatch.setenv("SIM_MAX_XODR_BYTES", "100")
    with pytest.raises(OpenDriveError, match="more than the limit of 100 bytes"):
        load_opendrive(big)
    monkeypatch.setenv("SIM_MAX_XODR_BYTES", "lots")
    with pytest.raises(ScenarioError, match="positive number of bytes") as err:
        load_opendrive(big)
    assert err.value.file == "SIM_MAX_XODR_BYTES"  # located at the variable
    monkeypatch.delenv("SIM_MAX_XODR_BYTES")
    assert load_opendrive(big).total_length == 10.0
