"""What Airflow 3.0's task runner reads from an operator's template fields, and what the task runs with.

3.0 sends (and its supervisor logs) ``getattr(task, field)`` unredacted: after rendering, and again
after the try, however it ended. So the fields must hold redacted values at those moments while
``execute`` and ``resume_execution`` still run with the real ones. These tests switch that mode on
(``compat.RENDERED_FIELDS_SENT_UNREDACTED``) on every installed Airflow: the mechanism is ours, and
``redact`` behaves alike everywhere; the operator tests check what each version really stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException

from airflow_connections_provider import compat
from airflow_connections_provider.tasks.base import IBMBaseOperator, with_real_rendered_values
from tests.support.task_fixtures import FakeTI

SECRET = "Rendered-Token-8d1e4a"  # "api_token" is a secret-looking field name: redacted by name


@pytest.fixture(autouse=True)
def airflow_30_runner(monkeypatch):
    monkeypatch.setattr(compat, "RENDERED_FIELDS_SENT_UNREDACTED", True)
    # 2.x's own re-store writes to the metadata database (test_airflow_conventions covers it).
    monkeypatch.setattr(compat, "store_rendered_fields_again", lambda task, ti: None)


def sent(op: Any) -> str:
    """What Airflow 3.0's runner sends as the rendered fields: the attributes as they are."""
    return str({field: getattr(op, field) for field in op.template_fields})


class TokenOperator(IBMBaseOperator):
    """A subclass as a user may write one: a templated secret, a deferral's resume method, and its
    ``execute`` decorated as the provider's own are (``with_real_rendered_values``)."""

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "api_token")

    def __init__(self, *, api_token: str, fail: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_token = api_token
        self.fail = fail
        self.seen: list[str] = []

    @with_real_rendered_values
    def execute(self, context: Any) -> str:
        self.seen.append(self.api_token)
        if self.fail:
            raise AirflowException("the service said no")
        return "done"

    def execute_complete(self, context: Any, event: Any = None) -> str:
        return self.execute(context)


def run_as_the_runner(op: Any, method: str = "execute", **kwargs: Any) -> Any:
    """What Airflow's runner does around a try: pre_execute, the method, post_execute when it returned."""
    context = {"ti": FakeTI()}
    op.pre_execute(context=context)
    result = getattr(op, method)(context=context, **kwargs)
    op.post_execute(context=context, result=result)
    return result


def rendered(op_class: type[TokenOperator] = TokenOperator, **kwargs: Any) -> TokenOperator:
    op = op_class(task_id="t", api_token="{{ params.token }}", **kwargs)
    op.render_template_fields({"params": {"token": SECRET}})
    return op


def test_the_fields_are_redacted_after_rendering_and_execute_runs_with_the_real_values():
    op = rendered()
    assert SECRET not in sent(op)  # what 3.0 sends right after rendering
    assert run_as_the_runner(op) == "done"
    assert op.seen == [SECRET]
    assert SECRET not in sent(op)  # what 3.0 sends again after the try


def test_execute_called_directly_runs_with_the_real_values():
    """A caller that skips pre_execute (a test, a subclass calling another operator's execute)."""
    op = rendered()
    assert op.execute(context={}) == "done"
    assert op.seen == [SECRET]
    assert SECRET not in sent(op)


def test_a_failed_execute_leaves_the_fields_redacted():
    op = rendered(fail=True)
    with pytest.raises(AirflowException):
        run_as_the_runner(op)
    assert op.seen == [SECRET]
    assert SECRET not in sent(op)


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
def test_a_resumed_task_runs_with_the_real_values_and_leaves_the_fields_redacted(fail):
    """A deferred task resumes in a new process through resume_execution, not execute; its next method
    may not be execute at all, and 3.0 sends the fields again whatever that method did."""

    class ResumingOperator(TokenOperator):
        def execute_complete(self, context: Any, event: Any = None) -> str:
            self.seen.append(self.api_token)
            if self.fail:
                raise AirflowException("the trigger reported a failure")
            return "resumed"

    op = rendered(ResumingOperator, fail=fail)
    resume = {"method": "resume_execution", "next_method": "execute_complete", "next_kwargs": {"event": {}}}
    if fail:
        with pytest.raises(AirflowException):
            run_as_the_runner(op, **resume)
    else:
        assert run_as_the_runner(op, **resume) == "resumed"
    assert op.seen == [SECRET]
    assert SECRET not in sent(op)


def test_an_execute_a_mixin_brings_is_guarded_when_decorated():
    class Mixin:
        @with_real_rendered_values
        def execute(self, context: Any) -> None:
            self.seen.append(self.api_token)  # type: ignore[attr-defined]
            raise AirflowException("mixin failed")

    class MixedOperator(Mixin, TokenOperator):
        pass

    op = rendered(MixedOperator)
    with pytest.raises(AirflowException):
        run_as_the_runner(op)
    assert op.seen == [SECRET]
    assert SECRET not in sent(op)


def test_a_nested_execute_keeps_the_real_values_until_the_outermost_returns():
    class Outer(TokenOperator):
        @with_real_rendered_values
        def execute(self, context: Any) -> str:
            result = super().execute(context)
            self.seen.append(self.api_token)  # after the inner execute returned
            return result

    op = rendered(Outer)
    run_as_the_runner(op)
    assert op.seen == [SECRET, SECRET]
    assert SECRET not in sent(op)


def test_rendering_twice_keeps_the_real_values():
    op = rendered()
    op.render_template_fields({"params": {"token": SECRET}})
    run_as_the_runner(op)
    assert op.seen == [SECRET]
    assert SECRET not in sent(op)


def test_without_the_30_runner_the_fields_keep_the_real_values(monkeypatch):
    """3.1+ and 2.x redact what they send themselves: the fields are left alone."""
    monkeypatch.setattr(compat, "RENDERED_FIELDS_SENT_UNREDACTED", False)
    op = rendered()
    assert op.api_token == SECRET
    run_as_the_runner(op)
    assert (op.seen, op.api_token) == ([SECRET], SECRET)


def test_a_failed_re_store_on_airflow_2_reports_the_tasks_own_error(monkeypatch, capsys, caplog):
    """2.x re-stores a failed task's rendered fields; when that fails too, the task's error is the one
    Airflow must see, and the store's error is named by its type only (its text may quote values)."""
    monkeypatch.setattr(compat, "RENDERED_FIELDS_SENT_UNREDACTED", False)
    monkeypatch.setattr(compat, "AIRFLOW_V_3_0_PLUS", False)

    def store_fails(task: Any, ti: Any) -> None:
        raise RuntimeError(f"database refused the row {task.api_token}")

    monkeypatch.setattr(compat, "store_rendered_fields_again", store_fails)
    op = rendered(fail=True)
    with pytest.raises(AirflowException, match="the service said no"):
        op.execute(context={"ti": FakeTI()})
    logged = caplog.text + capsys.readouterr().out  # a task's logger: logging on 2.x, structlog on 3.x
    assert "Could not store the rendered fields again after the failure (RuntimeError)" in logged
    assert SECRET not in logged
