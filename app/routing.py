"""URL converters: an id in a URL is a database id, or the page does not exist."""

from werkzeug.routing import IntegerConverter

from app.forms_common import DB_INT_MAX


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER column holds: a larger number is a 404 rather
    than an overflow inside the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)
