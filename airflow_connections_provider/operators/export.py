"""IBMExportConnectionsOperator: a project's connections as a sync spec (``sync/export.py``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from airflow_connections_provider.tasks.base import IBMBaseOperator, airflow_errors, with_real_rendered_values

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.tasks.arguments import ArgumentChecks


class IBMExportConnectionsOperator(IBMBaseOperator):
    """Export the project's connections as a sync spec (YAML text): every property, the description and
    flags, connections by name and properties sorted; each secret an Airflow template placeholder
    (``{{ conn.<conn_id>.password | tojson }}``), never a value, so the return value is safe for XCom.
    ``IBMSyncConnectionsOperator`` applying it (its placeholders rendered) to the same project plans no
    change. Writes nothing to the service.

    :param path: also write the spec to this file (replaced atomically; its folder must exist).
    :param name_prefix: only connections whose name starts with it (as a sync's ``managed_prefix``).
    """

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "path", "name_prefix")

    def __init__(self, *, path: str | None = None, name_prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.name_prefix = name_prefix

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        checks.text("path", self.path, optional=True)
        checks.text("name_prefix", self.name_prefix, optional=True)
        if self.path and not Path(self.path).parent.is_dir():
            checks.add(f"path {self.path!r}: its folder does not exist; create it or choose another path")

    @with_real_rendered_values
    def execute(self, context: Context) -> str:
        self.check_arguments()
        scope = self.resolve_scope()
        # An export only reads: what fails it is reaching the scope's connections and their types.
        with airflow_errors(f"Exporting the connections of {scope} (nothing was written; it needs read access)"):
            text = cast("str", self.hook.export(scope=scope, name_prefix=self.name_prefix))  # text=True
        self.publish_link(context, scope, None)
        if self.path:
            write_atomically(Path(self.path), text)
            self.log.info("Wrote the spec of %s to %s", scope, self.path)
        self.log.info("Exported %s: %d line(s) of spec", scope, text.count("\n"))
        return text


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a reader never sees half a spec."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
