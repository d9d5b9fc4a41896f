"""The exporters on a timeline written by the test: Trace Event JSON that validates and nests, and a page
that carries its data safely and fetches nothing."""

from __future__ import annotations

import json
import re

import pytest
from made_up_facts import facts, snapshot
from trace_event_format import check_semantics, validate

from dap_threads.observe import html, trace_json
from dap_threads.observe.timeline import Timeline


def recorded() -> Timeline:
    timeline = Timeline(10, name="prog", attached=True)
    timeline.thread_started(10, None, 100.0)
    timeline.thread_started(11, None, 100.0)
    timeline.record(snapshot(100.2, facts(10, "S"), facts(11, "R", 90.0)))
    timeline.thread_started(12, 11, 100.3)
    timeline.thread_started(13, 12, 100.35)
    timeline.record(snapshot(100.4, facts(10, "S"), facts(11, "R", 90.0), facts(12, "D"), facts(13, "S")))
    timeline.paused(100.5)
    timeline.resumed(100.6)
    timeline.thread_exited(13, 100.7)
    timeline.thread_exited(12, 100.7)
    timeline.record(snapshot(100.8, facts(10, "S"), facts(11, "S", name="</script><b>x")))
    timeline.paused(100.9)  # still paused at the end
    return timeline


def test_trace_json_validates_and_nests():
    trace = trace_json.trace(recorded().to_data())
    validate(trace)
    counts = check_semantics(trace)
    assert counts == {"slices": 4 + 5 + 2, "tracks": 4, "flows": 2, "pauses": 2}  # lives, states, creations
    events = trace["traceEvents"]
    assert {e["args"]["name"] for e in events if e["name"] == "thread_name"} == {"w", "</script><b>x"}
    states = [e for e in events if e.get("cat") == "state" and e["tid"] == 12]
    assert [(e["name"], e["ts"], e["dur"]) for e in states] == [("disk wait: futex", 400000.0, 300000.0)]
    assert states[0]["args"] == {"state": "D", "wait": "futex", "cpu %": 0.0}
    flow = [e for e in events if e["ph"] in "sf" and e["id"] == 3]
    assert [(e["ph"], e["tid"], e["ts"]) for e in flow] == [("s", 12, 350000.0), ("f", 13, 350000.0)]


def test_trace_checks_catch_bad_nesting_and_lone_flows():
    # The checks the real-program tests rely on fail on what a viewer would reject.
    trace = trace_json.trace(recorded().to_data())
    state = next(e for e in trace["traceEvents"] if e.get("cat") == "state" and e["tid"] == 12)
    state["dur"] += 1_000_000  # past its thread's end
    with pytest.raises(AssertionError, match="overlaps"):
        check_semantics(trace)
    trace = trace_json.trace(recorded().to_data())
    trace["traceEvents"] = [e for e in trace["traceEvents"] if e["ph"] != "f"]
    with pytest.raises(AssertionError, match="lacks its end"):
        check_semantics(trace)
    with pytest.raises(Exception, match="dur"):
        validate({"traceEvents": [{"name": "x", "ph": "X", "pid": 1, "tid": 1, "ts": 0}]})


def test_page_embeds_its_data_safely_and_fetches_nothing():
    data = recorded().to_data()
    page = html.page(data)
    assert "</script><b>" not in page  # a thread name cannot end the data element
    embedded = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', page, re.S)
    assert embedded and json.loads(embedded.group(1)) == data
    assert not re.search(r"(https?:)?//[\w.-]+\.\w+/|@import|\bsrc=|\bhref=", page), "the page must load nothing"
    assert "DapThreadsTimeline" in html.script()
