"""Every control of every widget, moved to its ends and fed what students type, in a real browser.

Each change is timed from the user's input event to the redrawn output (see ``widget_probe.js``) and must
produce a response (a new picture or a message) with no traceback, no internal error and nothing in
JupyterLab's log console. Sliders go to their minimum and maximum (a range slider's handles are pushed onto
each other: noUiSlider does not let them cross), dropdowns to their first and last option, text boxes get
empty, letters, zero, negative, huge and malformed input, buttons are pressed (a derivation's Next until
its last step). A Train panel (a widget with Train and Stop buttons) is driven by ``TrainPanelPass``:
bad input must give a message without training, and a long run must show progress and stop cleanly.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

__all__ = ["REDRAW_LIMIT_MS", "TEXT_CASES", "Change", "ControlPass", "TrainPanelPass", "redraw_summary",
           "log_console_sources"]

REDRAW_LIMIT_MS = 1000  # a student moving a control sees the result at once
RESPONSE_LIMIT_S = 15  # beyond this a control "does not respond"
TEXT_CASES = [("empty", ""), ("letters", "abc"), ("zero", "0"), ("negative", "-1"), ("huge", "1e9"),
              ("malformed list", "128,,64")]
MAX_BUTTON_PRESSES = 40


@dataclass
class Change:
    """One thing done to one control, and what the widget did."""

    where: str  # notebook, widget and control
    action: str
    ms: int | None = None
    changed: bool = False
    output: str = ""
    problems: list[str] = field(default_factory=list)
    training: bool = False
    printed: list[str] = field(default_factory=list)  # what the callbacks printed or displayed

    def __str__(self) -> str:
        took = f"{self.ms} ms" if self.ms is not None else "no message sent"
        return f"{self.where}, {self.action}: {took}; " + ("; ".join(self.problems) or "ok")


class ControlPass:
    """Drives every control of one widget view (index ``area`` in the page) and records each Change."""

    def __init__(self, nb_page, area: int, where: str) -> None:
        self.nb, self.page, self.area, self.where = nb_page, nb_page.page, area, where
        self.changes: list[Change] = []

    def js(self, expr: str, arg=None):
        return self.page.evaluate(f"(a) => window.__wb.{expr}", arg)

    def control(self, cid: str):
        return self.page.locator(f'[data-wb-control="{cid}"]')

    def clicker(self, cid: str):
        """A real mouse click on the control, without Playwright's wait for it to be still and uncovered (which
        retries for up to a second while MathJax settles): whether it can be seen is checked on its own."""
        def click() -> None:
            control = self.control(cid)
            control.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
            control.click(force=True)

        return click

    def apply(self, do, timeout_s: float = RESPONSE_LIMIT_S) -> dict:
        """Do an action and wait until the kernel has handled every message it sent (no judging)."""
        self.js("arm(a)", self.area)
        do()
        return self.page.evaluate("([t, q]) => window.__wb.settle(t, q)", [timeout_s * 1000, 20])

    # ------------------------------------------------------------------------------------------ one change
    limit_ms: int | None = REDRAW_LIMIT_MS  # None for a training widget: its redraws wait for training

    def change(self, label: str, action: str, do, *, expect_response: bool = True) -> Change:
        """Do one user action, wait for the widget to settle, and judge what it drew."""
        known = set(self.js("arm(a)", self.area))  # problems already drawn are reported once, not per change
        do()
        result = self.page.evaluate("([t, q]) => window.__wb.settle(t, q)", [RESPONSE_LIMIT_S * 1000, 40])
        ch = Change(f"{self.where}, {label}", action, result["ms"], result["changed"], training=self.limit_ms is None)
        ch.output = result["text"][-300:]
        ch.printed = result["outputs"]
        ch.problems += [p for p in result["problems"] if p not in known]
        ch.problems += [f"the widget's callback raised or wrote to stderr (a student sees it in the widget or in "
                        f"JupyterLab's log console): {_last_lines(e)}" for e in result["errors"]]
        if result["timedOut"]:
            ch.problems.append(f"no response within {RESPONSE_LIMIT_S} s (kernel still busy with "
                               f"{result['pending']} message(s))")
        elif expect_response and result["sent"] and not (result["changed"] or result["redrawn"]):
            ch.problems.append("did not respond: nothing was redrawn and no message appeared")
        if self.limit_ms is not None and ch.ms is not None and ch.ms > self.limit_ms:
            ch.problems.append(f"redraw took {ch.ms} ms > {self.limit_ms} ms")
        self.changes.append(ch)
        return ch

    # ------------------------------------------------------------------------------------------ per kind
    def run(self) -> list[Change]:
        controls = self.js("controls(a)", self.area)
        buttons = []
        for c in controls:
            if c["kind"] == "unknown":
                self.changes.append(Change(f"{self.where}, {c['label']}", "find", problems=[
                    "a control of a kind the suite does not know how to operate"]))
            elif c["disabled"] and c["kind"] != "button":
                continue
            elif c["kind"] == "slider":
                self.slider(c)
            elif c["kind"] == "dropdown":
                self.dropdown(c)
            elif c["kind"] == "text":
                self.text(c)
            elif c["kind"] == "toggle":
                self.toggle(c)
            elif c["kind"] == "checkbox":
                for state in ("changed", "back"):
                    self.change(f"checkbox '{c['label']}'", state, self.clicker(c["id"]))
            else:
                buttons.append(c)
        self.buttons(buttons)
        return self.changes

    def slider(self, c: dict) -> None:
        name = f"slider '{c['label']}'"
        if c["handles"] == 1:
            moves = [(0, "Home", "minimum"), (0, "End", "maximum")]
        else:  # push the handles onto each other from both sides, and reach both ends
            moves = [(0, "End", "lower handle onto the upper"), (0, "Home", "lower handle to the minimum"),
                     (1, "Home", "upper handle onto the lower"), (1, "End", "upper handle to the maximum")]
        for k, key, action in moves:
            state = self.js("handle(a[0], a[1])", [c["id"], k])
            if state["now"] == (state["min"] if key == "Home" else state["max"]):
                continue  # already there: nothing to change
            handle = self.control(f"{c['id']}-h{k}")
            self.change(name, f"{action} ({key})", lambda h=handle, key=key: (h.focus(), h.press(key)))
        if c["readoutEditable"]:  # a student types into the readout: nonsense must not stay there
            readout = self.control(f"{c['id']}-readout")
            before = self.js("readout(a)", c["id"])
            readout.click()
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type("abc")
            readout.press("Enter")
            self.page.wait_for_timeout(150)
            after = self.js("readout(a)", c["id"])
            self.page.evaluate("() => document.activeElement && document.activeElement.blur()")
            if after != before:
                self.changes.append(Change(f"{self.where}, {name}", "type 'abc' into the readout", problems=[
                    f"the readout shows {after!r} (was {before!r}) although the value cannot be 'abc'"]))

    def dropdown(self, c: dict) -> None:
        select = self.control(c["id"])
        for which, value in (("last", c["options"][-1]), ("first", c["options"][0])):
            if select.input_value() != value:
                self.change(f"dropdown '{c['label']}'", f"{which} option {value!r}",
                            lambda v=value: select.select_option(v))

    def toggle(self, c: dict) -> None:
        for which, k in (("last", len(c["options"]) - 1), ("first", 0)):
            button = f"{c['id']}-b{k}"
            if not self.js("active(a)", button):
                self.change(f"toggle buttons '{c['label']}'", f"{which} option {c['options'][k]!r}",
                            self.clicker(button))

    def text(self, c: dict) -> None:
        box = self.control(c["id"])
        cases = TEXT_CASES if c["type"] != "number" else [t for t in TEXT_CASES if t[0] in ("zero", "negative", "huge")]

        def enter(value: str):
            box.fill(value)
            box.press("Enter")

        for what, value in [*cases, ("the original text again", c["value"])]:
            self.change(f"text '{c['label']}'", f"{what} {value!r}", lambda v=value: enter(v))

    def buttons(self, buttons: list[dict]) -> None:
        """Each button pressed until it disables itself (a stepper's Next to its last step), then once more
        for the buttons that were disabled at first (Previous)."""
        pressed = set()
        for round_ in (0, 1):
            for c in buttons:
                if c["id"] in pressed or not self.js("enabled(a)", c["id"]):
                    continue
                pressed.add(c["id"])
                presses = 0
                while self.js("enabled(a)", c["id"]) and presses < (MAX_BUTTON_PRESSES if round_ == 0 else 1):
                    presses += 1
                    self.change(f"button '{c['label']}'", f"press #{presses}", self.clicker(c["id"]))


class TrainPanelPass(ControlPass):
    """The Train panel: bad input gives a message at once; extreme settings train, show progress, and stop.

    A training widget: its redraws wait for training, so they are timed and shown but not held to the limit.
    """

    limit_ms = None

    def run(self) -> list[Change]:
        controls = self.js("controls(a)", self.area)
        self.ids = {}
        for key in ("network", "hidden", "learning rate", "batch", "epochs", "train", "stop"):
            found = [c["id"] for c in controls if c["label"].lower().startswith(key)]
            if len(found) != 1:
                self.changes.append(Change(self.where, "find the panel's controls", problems=[
                    f"expected one control labelled '{key}...', found {len(found)} among "
                    f"{[c['label'] for c in controls]}"]))
                return self.changes
            self.ids[key] = found[0]
        hidden = self.control(self.ids["hidden"])
        default_hidden = hidden.input_value()
        for what, value in TEXT_CASES:  # parsed only when Train is pressed: each must give a message, not a run
            self.apply(lambda v=value: hidden.fill(v))
            ch = self.change(f"text 'hidden widths' = {value!r}, then Train", f"{what} {value!r}",
                             self.clicker(self.ids["train"]))
            self.expect_message(ch)
        self.apply(lambda: hidden.fill(default_hidden))
        self.extreme_short_runs()
        self.long_run_and_stop()
        return self.changes

    def expect_message(self, ch: Change) -> None:
        if not ch.output.strip() or self.js("enabled(a)", self.ids["stop"]):
            ch.problems.append(f"expected a one-line message and no training; the panel shows {ch.output!r}")

    def set_slider(self, key: str, end: str) -> None:
        handle = self.control(f"{self.ids[key]}-h0")
        self.apply(lambda: (handle.focus(), handle.press(end)))

    def select(self, key: str, which: int) -> str:
        """Select the option at index ``which`` (-1: the last) of a dropdown; return its value."""
        select = self.control(self.ids[key])
        value = select.evaluate("(s, k) => s.options[k < 0 ? s.options.length + k : k].value", which)
        self.apply(lambda: select.select_option(value))
        return value

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until Train is enabled again (the run ended); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.js("enabled(a)", self.ids["train"]) and not self.js("enabled(a)", self.ids["stop"]):
                return True
            self.page.wait_for_timeout(200)
        return False

    def train(self, label: str, action: str, timeout_s: float) -> Change:
        start = time.monotonic()
        ch = Change(f"{self.where}, {label}", action, training=True)
        self.apply(self.clicker(self.ids["train"]))  # the click handled: Train is disabled, or a message
        if not self.wait_idle(timeout_s):
            ch.problems.append(f"training did not end within {timeout_s:.0f} s")
            self.clicker(self.ids["stop"])()
            self.wait_idle(30)
        ch.ms = round(1000 * (time.monotonic() - start))
        ch.output = self.js("outputText(a)", self.area)[-300:]
        ch.problems += self.js("drawingProblems(a)", self.area)
        self.changes.append(ch)
        return ch

    def extreme_short_runs(self) -> None:
        self.select("batch", -1)
        self.set_slider("epochs", "Home")
        for which in (-1, 0):  # the last network (Keras) and the first, one epoch each
            value = self.select("network", which)
            ch = self.train(f"network {value!r}, 1 epoch, largest batch", "Train", 120)
            if "done: 1 epochs" not in ch.output and "done: 1 epoch" not in ch.output:
                ch.problems.append(f"expected a finished one-epoch run; the panel shows {ch.output!r}")
        self.set_slider("learning rate", "End")  # the largest learning rate: diverges, or trains
        ch = self.train("learning rate at its maximum, 1 epoch", "Train", 120)
        if not ch.output.strip():
            ch.problems.append("nothing shown after a run at the largest learning rate")

    def long_run_and_stop(self) -> None:
        """Batch size 1 and the most epochs: progress is shown, Stop ends it, the curves so far stay."""
        self.select("batch", 0)
        readout = self.control(f"{self.ids['learning rate']}-readout")
        self.apply(lambda: (readout.click(), self.page.keyboard.press("Control+A"), self.page.keyboard.type("0.1"),
                            readout.press("Enter")))  # a learning rate that learns with batch size 1
        self.set_slider("epochs", "End")
        ch = Change(f"{self.where}, batch size 1, most epochs", "Train, then Stop after the first curve",
                    training=True)
        start = time.monotonic()
        self.apply(self.clicker(self.ids["train"]))
        statuses, curve_at = set(), None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            statuses.add(self.page.locator(f'[data-wb-area="{self.area}"] .widget-html-content').last.inner_text())
            if curve_at is None and self.page.locator(f'[data-wb-area="{self.area}"] .widget-output img').count():
                curve_at = time.monotonic()
            if curve_at is not None and len(statuses) >= 3:
                break
            self.page.wait_for_timeout(250)
        if self.js("enabled(a)", self.ids["train"]):
            ch.problems.append("Train is enabled while a run is going")
        if not self.js("enabled(a)", self.ids["stop"]):
            ch.problems.append("Stop is disabled while a run is going")
        progress = [s for s in statuses if "epoch" in s.lower()]
        if len(progress) < 2 or not any("left" in s for s in progress):
            ch.problems.append(f"no progress (epoch k of n, time left) shown while training; status lines seen: "
                               f"{sorted(statuses)}")
        if curve_at is None:
            ch.problems.append("no curve drawn within 120 s of batch size 1 training")
        self.clicker(self.ids["stop"])()
        stop_clicked = time.monotonic()
        if not self.wait_idle(30):
            ch.problems.append("Stop did not end training within 30 s")
        ch.ms = round(1000 * (time.monotonic() - stop_clicked))
        for _ in range(25):  # the label's update may be applied just after the buttons'
            ch.output = self.js("outputText(a)", self.area)[-300:]
            if "stopped" in ch.output:
                break
            self.page.wait_for_timeout(200)
        if curve_at is not None and not self.page.locator(f'[data-wb-area="{self.area}"] .widget-output img').count():
            ch.problems.append("the curves so far disappeared after Stop")
        if "stopped" not in ch.output:
            ch.problems.append(f"no 'stopped' status after Stop; the panel shows {ch.output!r}")
        ch.problems += self.js("drawingProblems(a)", self.area)
        ch.action += f" (ran {time.monotonic() - start:.0f} s; Stop took {ch.ms} ms)"
        self.changes.append(ch)


def _last_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip() and not set(line.strip()) <= {"-"}]
    return " | ".join(lines[-n:])[:400]


def redraw_summary(changes: list[Change]) -> str:
    """Median and maximum redraw time of the timed, non-training changes."""
    times = [c.ms for c in changes if c.ms is not None and not c.training]
    if not times:
        return "no timed redraws"
    return f"redraw median {statistics.median(times):.0f} ms, max {max(times)} ms over {len(times)} changes"


def log_console_sources(entries: list[str], changes: list[Change]) -> list[str]:
    """Each log console entry, with the change whose callbacks printed or raised it (when one did)."""
    described = []
    for body in entries:
        key = body.strip()[:60]
        sources = [c for c in changes if any(key and key in text for text in c.printed)
                   or any(key and key in text for text in c.problems)]
        where = f" (after {sources[0].where}, {sources[0].action})" if sources else ""
        described.append(f"{_last_lines(body)}{where}")
    return described
