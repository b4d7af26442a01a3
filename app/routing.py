"""URL converters (an id in a URL is a database id, or the page does not exist) and the
URL rules themselves."""

from werkzeug.routing import IntegerConverter, Rule

from app.cleaning import DB_INT_MAX


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER column holds: a larger number is a 404 rather
    than an overflow inside the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class LazyBuildRule(Rule):
    """A URL rule whose builder (what url_for runs) is made the first time it builds a
    URL. Werkzeug writes and compiles Python code for two builders of every rule as the
    rule is added, about a sixth of create_app's CPU, while a process builds URLs with a
    few rules at most (a command, a worker or a web worker's first requests)."""

    def _compile_builder(self, append_unknown: bool = True):
        def build(rule: Rule, **values):
            built = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, "_build_unknown" if append_unknown else "_build", built)
            return built(**values)

        return build
