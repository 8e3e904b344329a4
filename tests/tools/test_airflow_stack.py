"""The local stack trusts a healthy answer only from its own server (``tools/airflow_stack.py``)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from tools.airflow_stack import AirflowStack, StackConfig, StackError
from tools.procs import ManagedProcess
from tools.stack_flavours import flavour_of


def test_a_port_another_process_took_is_refused_even_when_it_answers(tmp_path: Path) -> None:
    """free_port() only says a port was free a moment ago: another stack may bind it before our server
    does. Its health report would then pass for ours."""
    stack = AirflowStack(StackConfig(home=tmp_path / "home", dags_folder=tmp_path))
    stack.flavour = flavour_of(sys.executable)
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]  # our server, not listening yet
    ours = ManagedProcess(stack.flavour.server, sleeper, tmp_path / "s.log", dict(os.environ))
    stack.processes[stack.flavour.server] = ours.start()
    try:
        with socket.socket() as other:  # "another process": this test, listening on the stack's port
            other.bind(("127.0.0.1", 0))
            other.listen()
            stack.api_port = other.getsockname()[1]
            with pytest.raises(StackError, match=f"port {stack.api_port} answers, but not from this stack's"):
                stack._check_serving()
    finally:
        ours.stop(grace=2)
