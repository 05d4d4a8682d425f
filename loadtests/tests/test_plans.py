"""The plans stay loadable by JMeter 2.13 and 5.x, parameterised, bounded, and aimed at loopback.

The real proof for 2.13 is tests/integration (each plan run by Debian's JMeter). JMeter 5.x
cannot be downloaded here, so its side is checked against its source: every element and
property the plans use is listed below with the 5.6 file that defines it; an element or
property outside the list (a 5.x-only one, or a typo) fails the test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tools.loadtest import runner

PLANS = sorted(runner.PLANS_DIR.glob("*.jmx"))

# testclass -> property names, from apache/jmeter 5.6 (src/.../*Schema.kt, or the Java constants
# where no schema exists). Every one is also in 2.13 (the integration runs prove it).
JMETER5_PROPERTIES = {
    # core/testelement/TestPlanSchema.kt
    "TestPlan": {"TestPlan.comments", "TestPlan.functional_mode", "TestPlan.serialize_threadgroups",
                 "TestPlan.user_defined_variables", "TestPlan.user_define_classpath"},
    # core/config/ArgumentsSchema.kt
    "Arguments": {"Arguments.arguments"},
    # protocol/http/.../HTTPSamplerBaseSchema.kt (ConfigTestElement with HttpDefaultsGui holds the same)
    "ConfigTestElement": {"HTTPsampler.Arguments", "HTTPSampler.domain", "HTTPSampler.port", "HTTPSampler.protocol",
                          "HTTPSampler.contentEncoding", "HTTPSampler.path", "HTTPSampler.implementation",
                          "HTTPSampler.connect_timeout", "HTTPSampler.response_timeout"},
    "HTTPSamplerProxy": {"HTTPsampler.Arguments", "HTTPsampler.Files", "HTTPSampler.domain", "HTTPSampler.port",
                         "HTTPSampler.protocol", "HTTPSampler.contentEncoding", "HTTPSampler.path",
                         "HTTPSampler.method", "HTTPSampler.follow_redirects", "HTTPSampler.auto_redirects",
                         "HTTPSampler.use_keepalive", "HTTPSampler.DO_MULTIPART_POST", "HTTPSampler.postBodyRaw"},
    # protocol/http/.../HTTPArgumentSchema.kt, core/config/ArgumentSchema.kt
    "HTTPArgument": {"HTTPArgument.always_encode", "Argument.value", "Argument.metadata", "Argument.name"},
    # protocol/http/.../HTTPFileArgsSchema.kt, HTTPFileArgSchema.kt
    "HTTPFileArgs": {"HTTPFileArgs.files"},
    "HTTPFileArg": {"File.path", "File.paramname", "File.mimetype"},
    # protocol/http/.../HeaderManagerSchema.kt, HeaderSchema.kt
    "HeaderManager": {"HeaderManager.headers"},
    "Header": {"Header.name", "Header.value"},
    # components/config/CSVDataSet.java (TestBean properties)
    "CSVDataSet": {"filename", "fileEncoding", "variableNames", "delimiter", "quotedData", "recycle", "stopThread",
                   "shareMode"},
    # core/threads/AbstractThreadGroupSchema.kt, ThreadGroupSchema.kt
    "ThreadGroup": {"ThreadGroup.on_sample_error", "ThreadGroup.main_controller", "ThreadGroup.num_threads",
                    "ThreadGroup.ramp_time", "ThreadGroup.scheduler", "ThreadGroup.duration", "ThreadGroup.delay"},
    # core/control/LoopControllerSchema.kt, IfControllerSchema.kt, TransactionControllerSchema.kt
    "LoopController": {"LoopController.continue_forever", "LoopController.loops"},
    "IfController": {"IfController.condition", "IfController.evaluateAll", "IfController.useExpression"},
    "TransactionController": {"TransactionController.parent", "TransactionController.includeTimers"},
    # components/assertions/ResponseAssertion.java (note JMeter's own spelling "Asserion")
    "ResponseAssertion": {"Asserion.test_strings", "Assertion.test_field", "Assertion.assume_success",
                          "Assertion.test_type"},
    # components/extractor/RegexExtractor.java
    "RegexExtractor": {"RegexExtractor.useHeaders", "RegexExtractor.refname", "RegexExtractor.regex",
                       "RegexExtractor.template", "RegexExtractor.default", "RegexExtractor.match_number"},
    # components/timers/ConstantTimer.java
    "ConstantTimer": {"ConstantTimer.delay"},
}
# Aliases in bin/saveservice.properties of both 2.13 and 5.6 (the file never drops entries).
GUI_CLASSES = {"TestPlanGui", "ArgumentsPanel", "HttpDefaultsGui", "HTTPArgumentsPanel", "HeaderPanel", "TestBeanGUI",
               "ThreadGroupGui", "LoopControlPanel", "HttpTestSampleGui", "AssertionGui", "ConstantTimerGui",
               "RegexExtractorGui", "TransactionControllerGui", "IfControllerPanel"}
# ResponseAssertion test types, identical in 2.13 and 5.6: CONTAINS=2, NOT=4, EQUALS=8.
ASSERTION_TYPES = {"2", "6", "8"}
REQUIRED_PROPERTIES = {"host", "port", "threads", "rampup", "duration", "api_key"}
_PROP = re.compile(r"\$\{__P\(([A-Za-z_]+),([^)]*)\)\}")


def _elements(root: ET.Element):
    """(element class, element) for every test element, including those nested as elementProp."""
    for el in root.iter():
        if el.tag == "elementProp":
            yield el.get("elementType"), el
        elif el.tag not in {"jmeterTestPlan", "hashTree", "collectionProp"} and not el.tag.endswith("Prop"):
            yield el.tag, el


def _own_properties(el: ET.Element) -> set[str]:
    if el.tag == "elementProp":
        return {c.get("name") for c in el if c.get("name") is not None}
    return {c.get("name") for c in el if c.tag.endswith("Prop")}


@pytest.fixture(params=PLANS, ids=[p.stem for p in PLANS])
def plan(request) -> Path:
    return request.param


def test_there_is_a_plan_for_each_scenario():
    assert {p.stem for p in PLANS} == {"classify-batch1", "classify-batch32", "deidentify", "mixed"}


def test_a_plan_is_jmeter_2_13_format_xml(plan):
    root = ET.parse(plan).getroot()
    assert root.tag == "jmeterTestPlan" and root.get("version") == "1.2" and root.get("properties") == "2.8"


def test_every_element_and_property_exists_in_jmeter_5(plan):
    root = ET.parse(plan).getroot()
    for kind, el in _elements(root):
        assert kind in JMETER5_PROPERTIES, f"{plan.name}: {kind} is not an element both JMeter versions know"
        unknown = _own_properties(el) - JMETER5_PROPERTIES[kind]
        assert not unknown, f"{plan.name}: {kind} sets {sorted(unknown)}, unknown to JMeter 5.6"
        if el.get("guiclass"):
            assert el.get("guiclass") in GUI_CLASSES, f"{plan.name}: GUI class {el.get('guiclass')}"


def test_every_plan_is_parameterised_by_host_port_threads_rampup_duration_key_and_samples(plan):
    text = plan.read_text()
    names = {m.group(1) for m in _PROP.finditer(text)}
    assert REQUIRED_PROPERTIES <= names
    assert any(n.startswith("samples") for n in names)
    defaults = {m.group(1): m.group(2) for m in _PROP.finditer(text)}
    assert defaults["host"] == "127.0.0.1"  # loopback unless told otherwise
    assert defaults["api_key"] == ""  # keys are configured, never written into a plan


def test_every_thread_group_stops_by_itself_at_a_duration_and_after_a_finite_number_of_loops(plan):
    root = ET.parse(plan).getroot()
    groups = root.findall(".//ThreadGroup")
    assert groups
    for group in groups:
        props = {p.get("name"): p.text for p in group if p.get("name")}
        assert props["ThreadGroup.scheduler"] == "true"
        assert props["ThreadGroup.duration"].startswith("${__P(duration,")
        main = group.find("elementProp[@name='ThreadGroup.main_controller']")
        loop = {p.get("name"): p.text for p in main}
        assert loop["LoopController.continue_forever"] == "false"
        loops = _PROP.fullmatch(loop["LoopController.loops"])
        assert loops and loops.group(1) == "loops" and int(loops.group(2)) > 0


def test_every_inner_loop_is_bounded_and_every_request_has_timeouts(plan):
    root = ET.parse(plan).getroot()
    for loop in root.findall(".//LoopController"):
        value = loop.find("stringProp[@name='LoopController.loops']").text
        match = _PROP.fullmatch(value)
        assert match and int(match.group(2)) > 0, value
    defaults = root.find(".//ConfigTestElement")
    for name in ("HTTPSampler.connect_timeout", "HTTPSampler.response_timeout"):
        assert _PROP.fullmatch(defaults.find(f"stringProp[@name='{name}']").text)


def test_samplers_take_host_and_port_from_the_defaults_only(plan):
    root = ET.parse(plan).getroot()
    for sampler in root.findall(".//HTTPSamplerProxy"):
        assert (sampler.find("stringProp[@name='HTTPSampler.domain']").text or "") == ""
        assert (sampler.find("stringProp[@name='HTTPSampler.port']").text or "") == ""


def test_assertions_use_types_both_versions_define(plan):
    root = ET.parse(plan).getroot()
    for assertion in root.findall(".//ResponseAssertion"):
        assert assertion.find("intProp[@name='Assertion.test_type']").text in ASSERTION_TYPES


def test_functions_used_exist_in_both_versions(plan):
    functions = set(re.findall(r"\$\{(__\w+)\(", plan.read_text()))
    assert functions <= {"__P", "__jexl2"}


def _scoped(tree: ET.Element, inherited: tuple = ()):
    """(element, the config elements in its scope): JMeter's rule that an element applies to its
    siblings and everything under them."""
    children = list(tree)
    here = inherited + tuple(el for el in children[::2] if el.tag == "HeaderManager")
    for el, subtree in zip(children[::2], children[1::2]):
        yield el, here
        yield from _scoped(subtree, here)


def test_every_json_body_is_sent_as_application_json_with_the_key(plan):
    root = ET.parse(plan).getroot()
    checked = 0
    for el, managers in _scoped(root.find("hashTree")):
        if el.tag != "HTTPSamplerProxy":
            continue
        headers = {h.find("stringProp[@name='Header.name']").text: h.find("stringProp[@name='Header.value']").text
                   for m in managers for h in m.iter("elementProp") if h.get("elementType") == "Header"}
        assert headers.get("Authorization") == "Bearer ${__P(api_key,)}", el.get("testname")
        raw = el.find("boolProp[@name='HTTPSampler.postBodyRaw']")
        if raw is not None and raw.text == "true":
            assert headers.get("Content-Type") == "application/json", el.get("testname")
            checked += 1
        else:
            assert "Content-Type" not in headers, el.get("testname")  # uploads set their own multipart type
    assert checked or plan.stem == "deidentify"
