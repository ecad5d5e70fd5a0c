"""The report's plots over time: the reference lines' labels stay clear of the data drawn over the
plot (fault dots and their texts), measured on the SVG and, where Chromium is installed, on the
page as it renders."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import List, Tuple

import pytest

from livecoach.config.schema import load_config
from livecoach.history.store import DB_FILENAME, SessionStore
from livecoach.history.svg import Frame, references
from livecoach.history.time_plots import body_line_plot, elbow_plot

from helpers import record_fixture

Box = Tuple[float, float, float, float]

# A reference label's box, upper bounds of what Chromium draws (11 px type: 4.3-5.3 px a character,
# 10 px above the baseline, 2 below; the white halo 1.5 px), and a fault text's (10 px type).
REF_CHAR_PX, REF_UP, REF_DOWN = 6.5, 10.0, 3.0
FAULT_CHAR_PX, FAULT_UP, FAULT_DOWN = 6.0, 8.0, 3.0


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def tayyab(tmp_path_factory, config):
    """tayyab's clip, side-on: nine clean reps, then five with sagging hips whose dots sit on the
    sag limit; the last one's, at the right end, covered its label."""
    db = tmp_path_factory.mktemp("tayyab") / DB_FILENAME
    sid = record_fixture(db, config, "tayyab__pushup.mp4")
    with SessionStore(db) as store:
        return store.load_session(sid)


def _meet(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def ref_labels(svg: str) -> List[Tuple[str, Box]]:
    out = []
    for m in re.finditer(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(start|end)" class="ref">([^<]+)</text>', svg):
        x, y, anchor, text = float(m[1]), float(m[2]), m[3], m[4]
        width = REF_CHAR_PX * len(text)
        x0 = x - width if anchor == "end" else x
        out.append((text, (x0, y - REF_UP, x0 + width, y + REF_DOWN)))
    return out


def data_marks(svg: str) -> List[Box]:
    """The boxes of the fault dots (with their white outline) and fault texts of a plot."""
    boxes = [(cx - r - 0.75, cy - r - 0.75, cx + r + 0.75, cy + r + 0.75) for cx, cy, r in
             ((float(a), float(b), float(c)) for a, b, c in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" '
                                                                       r'r="([\d.]+)"', svg))]
    for x, y, text in re.findall(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="middle" class="fault-text">'
                                 r'([^<]+)</text>', svg):
        half = FAULT_CHAR_PX * len(text) / 2
        boxes.append((float(x) - half, float(y) - FAULT_UP, float(x) + half, float(y) + FAULT_DOWN))
    return boxes


def test_the_sag_limit_label_is_not_covered_by_a_reps_dot(tayyab):
    """At the right end of the sag limit, its label had rep 14's hip-sag dot on it (the QA's
    screenshot of tayyab's report); it now sits where no dot or fault text is."""
    svg = body_line_plot(tayyab)
    marks = data_marks(svg)
    assert len(marks) >= 10  # five sagging reps: a dot and a text each
    labels = dict(ref_labels(svg))
    assert set(labels) == {"sag limit", "pike limit"}
    # where the label was: above the line's right end -- a dot there
    line_y = float(re.search(r'<line x1="58" x2="1022" y1="([\d.]+)"[^>]*stroke-dasharray="6 4"/>', svg)[1])
    right_end = (1022 - 4 - REF_CHAR_PX * len("sag limit"), line_y - 5 - REF_UP, 1022 - 4, line_y - 5 + REF_DOWN)
    assert any(_meet(right_end, m) for m in marks)
    for text, box in labels.items():
        assert not any(_meet(box, m) for m in marks), text
        assert 26 <= box[1] and box[3] <= 230 - 34, text  # inside the plot area
    assert not _meet(labels["sag limit"], labels["pike limit"])
    # drawn last: nothing is painted over them
    assert svg.rindex('class="ref"') > max(svg.rindex("<circle"), svg.rindex('class="fault-text"'))


def test_the_elbow_plots_labels_stay_clear_of_its_marks(tayyab, config):
    svg = elbow_plot(tayyab)
    labels = ref_labels(svg)
    assert {text for text, _ in labels} == {"lockout above this"}
    marks = data_marks(svg)
    assert not any(_meet(box, m) for _text, box in labels for m in marks)


def test_the_elbow_plot_marks_a_depth_only_where_the_elbows_judged_it(tayyab, config, tmp_path):
    """Side-on on the floor depth is the shoulders' drop: an elbow line marked "deep enough" would
    contradict a rep past it that was not deep enough. On incline push-ups the elbows judge it."""
    assert "deep enough below this" not in elbow_plot(tayyab)
    db = tmp_path / DB_FILENAME
    sid = record_fixture(db, config, "variants__fitnease__inclined_pushups")
    with SessionStore(db) as store:
        incline = store.load_session(sid)
    assert [r.record.depth_by for r in incline.reps].count("elbows") > len(incline.reps) / 2
    labels = dict(ref_labels(elbow_plot(incline)))
    assert set(labels) == {"deep enough below this", "lockout above this"}


def test_a_label_goes_to_the_first_free_place_along_its_line():
    frame = Frame(0.0, 10.0, -20.0, 20.0, 1040, 230)
    y = frame.py(-10.0)
    right, left = 1040 - 18 - 4, 58 + 4
    # dots on both sides of the line at both ends
    dots = [(x - 8, yy - 8, x + 8, yy + 8) for x in (right - 20, left + 20) for yy in (y - 10, y + 10)]
    lines, labels = references(frame, [(-10.0, "sag limit")], avoid=dots)
    assert len(lines) == 1 and len(labels) == 1
    text, box = ref_labels(labels[0])[0]
    assert not any(_meet(box, d) for d in dots) and left < box[0] and box[2] < right
    # free ends are taken first, right before left, above before below
    for avoid, anchor, above in (((), "end", True), (dots[:1], "end", False), (dots[:2], "start", True)):
        _lines, (label,) = references(frame, [(-10.0, "sag limit")], avoid=avoid)
        x, base = (float(v) for v in re.search(r'x="([\d.]+)" y="([\d.]+)"', label).groups())
        assert f'text-anchor="{anchor}"' in label and (base < y) == above, (avoid, label)
        assert x == (right if anchor == "end" else left)
    # no room anywhere: the right end, as before; a line out of the plot: nothing
    wall = [(0.0, 0.0, 1040.0, 230.0)]
    assert 'x="1018.0"' in references(frame, [(-10.0, "sag limit")], avoid=wall)[1][0]
    assert references(frame, [(-30.0, "sag limit")]) == ([], [])


_MEASURE = """<script>
var out = {};
document.querySelectorAll('svg.body-plot, svg.elbow-plot').forEach(function (svg) {
  var key = svg.getAttribute('class').split(' ').pop(), marks = [], labels = [];
  var box = function (el) { var b = el.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
  svg.querySelectorAll('circle, text.fault-text').forEach(function (el) { marks.push(box(el)); });
  svg.querySelectorAll('text.ref').forEach(function (el) { labels.push([el.textContent, box(el)]); });
  out[key] = {marks: marks, labels: labels};
});
var pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def test_in_chromium_no_dot_or_fault_text_covers_a_reference_label(tayyab, config, tmp_path):
    """The same, measured on the page as Chromium lays it out (getBBox of each label, dot and text)."""
    from livecoach.history.report import render_session_html
    from livecoach.history.summary import summarize

    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                   None)
    if browser is None:
        pytest.skip("headless Chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(render_session_html(tayyab, summarize(tayyab, config), config).replace("</body>",
                                                                                          _MEASURE + "</body>"))
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    measured = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', run.stdout, re.S)[1].replace("&quot;", '"'))
    assert set(measured) == {"body-plot", "elbow-plot"}
    assert len(measured["body-plot"]["marks"]) >= 10 and len(measured["body-plot"]["labels"]) == 2
    for plot in measured.values():
        for text, box in plot["labels"]:
            halo = (box[0] - 1.5, box[1] - 1.5, box[2] + 1.5, box[3] + 1.5)
            assert not any(_meet(halo, m) for m in plot["marks"]), (text, box)
