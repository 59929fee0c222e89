"""The harness waits for running functions before it clears Firestore for the next test."""

from __future__ import annotations

from pathlib import Path

from emulators import Endpoints
from support.emulators import Emulators

BEGIN = 'i  functions: Beginning execution of "us-central1-count_profile_skills"\n'
END = 'i  functions: Finished "us-central1-count_profile_skills" in 4.2ms\n'


def _suite(log: Path) -> Emulators:
    endpoints = Endpoints.from_config(Path(__file__).resolve().parents[2] / "firebase.json")
    return Emulators(endpoints, log_path=log)


def test_a_function_still_running_keeps_the_harness_waiting_until_its_deadline(tmp_path: Path) -> None:
    log = tmp_path / "emulators.log"
    log.write_text(BEGIN + END + BEGIN)
    assert _suite(log).wait_for_idle_functions(timeout=0.5, settle=0.1, lost_after=5) is False


def test_finished_functions_let_the_harness_go_on_and_later_lines_are_read_incrementally(tmp_path: Path) -> None:
    log = tmp_path / "emulators.log"
    log.write_text(BEGIN + END)
    suite = _suite(log)
    assert suite.wait_for_idle_functions(timeout=2, settle=0.1) is True
    with log.open("a") as out:
        out.write(BEGIN)
    assert suite.wait_for_idle_functions(timeout=0.4, settle=0.1, lost_after=5) is False
    with log.open("a") as out:
        out.write(END)
    assert suite.wait_for_idle_functions(timeout=2, settle=0.1) is True


def test_an_execution_whose_finish_never_comes_is_counted_lost_once_the_log_is_silent(tmp_path: Path) -> None:
    log = tmp_path / "emulators.log"
    log.write_text(BEGIN)
    suite = _suite(log)
    assert suite.wait_for_idle_functions(timeout=3, settle=0.1, lost_after=0.5) is True
    assert suite.wait_for_idle_functions(timeout=0.3, settle=0, lost_after=5) is True  # not waited for again
