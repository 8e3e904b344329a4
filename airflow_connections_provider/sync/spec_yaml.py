"""The YAML reader of sync specs: the text means what the user typed, and reading it costs what it looks like.

PyYAML's ``safe_load`` reads YAML 1.1, which retypes plain text behind the user's back (``2024_01`` is
202401, ``0755`` is 493, ``12:30`` is 750, ``yes``/``on``/``no`` are booleans, ``1e3`` a float), keeps
the last of two equal keys (a second ``connections:`` block silently replaces the first), and expands
aliases and nesting without bound (an "alias bomb" of a few hundred bytes expands to millions of
nodes; thousands of levels of nesting overflow Python's stack: docs/reliability.md). :class:`SpecLoader`
reads the same text with these rules instead:

* **Plain scalars stay text.** An unquoted value becomes :class:`PlainText` (a ``str``) holding exactly
  the characters written; only ``null``, ``~`` and an empty value mean "no value". Which type a plain
  value has is decided later by what it is the value of: the datasource type's declared property
  type (``spec.py``), or text for names, types and descriptions. Quoted values are text as always.
* **Every key once**, at every level: a repeated key is refused, naming both lines.
* **Bounded**: nesting deeper than :data:`MAX_DEPTH` levels, aliases that would expand the document by
  more than :data:`MAX_ALIAS_NODES` nodes (or deeper than :data:`MAX_DEPTH`), and an alias inside the
  node it names are refused while composing, before anything is built from them.
* **No YAML 1.1 extras**: merge keys (``<<``) and explicit tags (``!!int``, ``!!binary`` ...) are
  refused with the fix.

Every refusal is a :class:`SpecTextError` naming the line, column and fix, never a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

import yaml
from yaml.composer import Composer
from yaml.constructor import BaseConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

#: Nesting levels a spec may use; a spec needs five (document, connections, entry, properties, value).
MAX_DEPTH = 32
#: Nodes that aliases may add to a document once expanded (each use of ``*name`` adds its node's size).
MAX_ALIAS_NODES = 100_000

PLAIN_TAG = "tag:airflow-connections-provider,2024:plain"
_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})  # YAML 1.2's core schema, the only plain non-text


class PlainText(str):
    """An unquoted YAML scalar, kept as the characters written; its type is decided by its use."""

    __slots__ = ()


class SpecTextError(yaml.MarkedYAMLError):
    """A refusal of the spec reader: ``message`` names the problem and the fix, ``problem_mark`` where."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.message = message


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "an unknown place"


def _shown_key(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


class _BoundedComposer(Composer):
    """PyYAML's composer with a depth bound and an alias-expansion bound (checked as aliases are met)."""

    if TYPE_CHECKING:  # provided by PyYAML's Parser, a sibling in SpecLoader

        def peek_event(self) -> Any: ...

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._alias_nodes = 0
        self._measured: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if self._depth >= MAX_DEPTH:
            raise SpecTextError(
                f"the spec nests deeper than its depth limit of {MAX_DEPTH} levels at {_at(event.start_mark)}; "
                "a spec needs five (connections, entry, properties, value): check the indentation and brackets",
                event.start_mark,
            )
        if isinstance(event, AliasEvent):
            node = cast("Node", super().compose_node(parent, index))
            self._count_alias(node, event.start_mark)
            return node
        self._depth += 1
        try:
            return cast("Node", super().compose_node(parent, index))
        finally:
            self._depth -= 1

    def _count_alias(self, node: Node, mark: Any) -> None:
        if isinstance(node, (SequenceNode, MappingNode)) and node.end_mark is None:
            raise SpecTextError(
                f"the alias at {_at(mark)} names a node that contains it (a structure without end); "
                "a spec is a tree: write the part out",
                mark,
            )
        size, height = self._measure(node)
        self._alias_nodes += size
        if self._alias_nodes > MAX_ALIAS_NODES:
            raise SpecTextError(
                f"the spec's aliases (*name) expand it by more than {MAX_ALIAS_NODES:,} nodes at {_at(mark)}; "
                "write the repeated part out, or reuse it less often",
                mark,
            )
        if self._depth + height > MAX_DEPTH:
            raise SpecTextError(
                f"the alias at {_at(mark)} nests the spec deeper than its depth limit of {MAX_DEPTH} levels "
                "once expanded; write the part out with less nesting",
                mark,
            )

    def _measure(self, node: Node) -> tuple[int, int]:
        """``(nodes, levels)`` of ``node`` with its aliases expanded; each node measured once."""
        known = self._measured.get(id(node))
        if known is not None:
            return known
        if isinstance(node, ScalarNode):
            result = (1, 1)
        else:
            children = [part for pair in node.value for part in pair] if isinstance(node, MappingNode) else node.value
            measured = [self._measure(child) for child in children]  # composed under MAX_DEPTH: shallow
            result = (1 + sum(m[0] for m in measured), 1 + max((m[1] for m in measured), default=0))
        self._measured[id(node)] = result
        return result


class _TextResolver(BaseResolver):
    """Plain scalars get :data:`PLAIN_TAG` (decided later), quoted ones are text: no YAML 1.1 guessing."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return PLAIN_TAG if implicit[0] else _STR_TAG
        resolve: Any = super().resolve  # untyped in PyYAML's stubs
        return str(resolve(kind, value, implicit))


class _SpecConstructor(BaseConstructor):
    """Text, lists and mappings only; every key once."""

    yaml_constructors: ClassVar[dict[Any, Any]] = {}  # set below: these and nothing of YAML 1.1

    def construct_plain(self, node: ScalarNode) -> PlainText | None:
        value = self.construct_scalar(node)
        return None if value in _NULLS else PlainText(value)

    def construct_text(self, node: ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_list(self, node: SequenceNode) -> Any:
        data: list[Any] = []
        yield data
        data.extend(self.construct_sequence(node))

    def construct_dict(self, node: MappingNode) -> Any:
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == PLAIN_TAG and key_node.value == "<<":
                raise SpecTextError(
                    f"the merge key (<<) at {_at(key_node.start_mark)} is YAML 1.1 only and not read here; "
                    "write the keys out",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | None):
                raise SpecTextError(
                    f"the key at {_at(key_node.start_mark)} is a list or a mapping; keys are names: write text",
                    key_node.start_mark,
                )
            if key in first_line:
                raise SpecTextError(
                    f"duplicate key: the spec repeats the key {_shown_key(key)} at {_at(key_node.start_mark)} "
                    f"(first at line {first_line[key]}); YAML would keep only the last and silently drop the "
                    "first: merge the two or remove one",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_other(self, node: Node) -> Any:
        raise SpecTextError(
            f"the explicit tag at {_at(node.start_mark)} is not supported in a spec; write the value plain "
            "(its property's type decides how it is read) or quoted (text)",
            node.start_mark,
        )


_SpecConstructor.yaml_constructors = {
    PLAIN_TAG: _SpecConstructor.construct_plain,
    _STR_TAG: _SpecConstructor.construct_text,
    BaseResolver.DEFAULT_SEQUENCE_TAG: _SpecConstructor.construct_list,
    BaseResolver.DEFAULT_MAPPING_TAG: _SpecConstructor.construct_dict,
    None: _SpecConstructor.construct_other,  # any other tag, explicit ones included
}


class SpecLoader(Reader, Scanner, Parser, _BoundedComposer, _SpecConstructor, _TextResolver):
    """Reads one spec document with the rules of this module (see its docstring)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _BoundedComposer.__init__(self)
        _SpecConstructor.__init__(self)
        _TextResolver.__init__(self)


def load(text: str) -> Any:
    """The data of a spec's text; raises :class:`yaml.YAMLError` (:class:`SpecTextError` for our rules)."""
    loader = SpecLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def compose(text: str) -> Node | None:
    """The node tree of a spec's text, within the same bounds (for the secret scan before parsing)."""
    loader = SpecLoader(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()
