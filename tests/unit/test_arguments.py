"""Argument checks that answer bad requests before anything touches a process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dap_threads.dap import messages as m
from dap_threads.dap.requests import RequestError
from dap_threads.engine.errors import LaunchError
from dap_threads.engine.launch import resolve_program
from dap_threads.session.start import _pid_argument


@pytest.mark.parametrize(
    ("arguments", "pid"),
    [({"pid": 42}, 42), ({"processId": 42}, 42), ({"processId": " 42 "}, 42), ({"pid": 7, "processId": 9}, 7)],
)
def test_pid_or_process_id_from_a_picker(arguments: dict[str, object], pid: int) -> None:
    assert _pid_argument(m.AttachArguments(**arguments)) == pid  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({}, "attach needs 'pid'"),
        ({"processId": "abc"}, "must be an integer"),
        ({"processId": 1.5}, "must be an integer"),
        ({"processId": True}, "must be an integer"),
        ({"pid": 0}, "not a valid process id"),
        ({"pid": 2**31}, "not a valid process id"),
    ],
)
def test_a_bad_pid_says_what_is_wrong(arguments: dict[str, object], words: str) -> None:
    with pytest.raises(RequestError) as caught:
        _pid_argument(m.AttachArguments(**arguments))  # type: ignore[arg-type]
    assert words in caught.value.message


def test_a_program_is_found_in_path_or_relative_to_cwd(tmp_path: Path) -> None:
    assert os.path.basename(resolve_program("true", None)) == "true"
    script = tmp_path / "prog"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert os.path.samefile(resolve_program("./prog", str(tmp_path)), script)


@pytest.mark.parametrize(
    ("name", "words"),
    [("", "'program' is empty"), ("no-such-program-here", "not found in PATH"), ("/no/such", "does not exist")],
)
def test_a_bad_program_says_what_is_wrong(name: str, words: str) -> None:
    with pytest.raises(LaunchError, match=words):
        resolve_program(name, None)


def test_a_directory_or_a_non_executable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LaunchError, match="is a directory"):
        resolve_program(str(tmp_path), None)
    plain = tmp_path / "data"
    plain.write_text("x")
    plain.chmod(0o644)
    with pytest.raises(LaunchError, match="not executable"):
        resolve_program(str(plain), None)
