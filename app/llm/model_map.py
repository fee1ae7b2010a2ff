"""Equivalent models across providers (gpt-4o -> claude-sonnet -> gemini-pro), editable."""

from __future__ import annotations

from collections.abc import Iterable

DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    "flagship": ("openai/gpt-4o", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-pro"),
    "fast": ("openai/gpt-4o-mini", "anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash"),
}

DEFAULT_ALIASES: dict[str, str] = {
    "gpt-4o": "openai/gpt-4o",
    "claude-sonnet": "anthropic/claude-sonnet-4-5",
    "gemini-pro": "gemini/gemini-2.5-pro",
    "gpt-4o-mini": "openai/gpt-4o-mini",
    "claude-haiku": "anthropic/claude-haiku-4-5",
    "gemini-flash": "gemini/gemini-2.5-flash",
}


class ModelMap:
    """Named groups of equivalent models, in preference order, plus short aliases.

    A model listed in a group can be replaced by any other model of the same group. Aliases
    map short names ("claude-sonnet") to full "provider/model" names.
    """

    def __init__(
        self,
        groups: dict[str, Iterable[str]] | None = None,
        aliases: dict[str, str] | None = None,
    ) -> None:
        """Creates a map; without arguments it holds the built-in defaults.

        Args:
            groups: group name -> equivalent models in preference order.
            aliases: short name -> "provider/model".
        """
        source = DEFAULT_GROUPS if groups is None else groups
        self._groups: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in source.items()}
        self._aliases: dict[str, str] = dict(DEFAULT_ALIASES if aliases is None else aliases)

    def resolve(self, name: str) -> str:
        """The full name behind an alias, or `name` itself."""
        return self._aliases.get(name, name)

    def equivalents(self, name: str) -> list[str]:
        """Every model equivalent to `name`, `name` (resolved) first, without duplicates.

        Args:
            name: a model name or alias.

        Returns:
            The resolved name followed by its group's other members in group order.
        """
        resolved = self.resolve(name)
        result = [resolved]
        for members in self._groups.values():
            if resolved in members:
                result.extend(m for m in members if m not in result)
        return result

    def set_group(self, group: str, models: Iterable[str]) -> None:
        """Creates or replaces a group.

        Args:
            group: the group's name.
            models: equivalent models in preference order (aliases are resolved).

        Raises:
            ValueError: when fewer than one model is given or a model repeats.
        """
        members = tuple(self.resolve(m) for m in models)
        if not members or len(set(members)) != len(members):
            raise ValueError("a group needs at least one model and no repeats")
        self._groups[group] = members

    def remove_group(self, group: str) -> None:
        """Removes a group; unknown names are ignored."""
        self._groups.pop(group, None)

    def set_alias(self, alias: str, target: str) -> None:
        """Maps a short name to a full model name."""
        self._aliases[alias] = target

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """A copy of the groups."""
        return dict(self._groups)

    def to_dict(self) -> dict[str, dict[str, list[str]] | dict[str, str]]:
        """A JSON-ready dict, the inverse of `from_dict`."""
        return {
            "groups": {k: list(v) for k, v in self._groups.items()},
            "aliases": dict(self._aliases),
        }

    @classmethod
    def from_dict(cls, data: dict[str, dict]) -> ModelMap:
        """Builds a map from its `to_dict` form."""
        return cls(groups=data.get("groups", {}), aliases=data.get("aliases", {}))
