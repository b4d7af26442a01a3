"""The organiser dashboard's breakout section: people per room from the read model,
notes state from the breakouts feature."""

from app.breakouts import note_taking
from app.facts import GatheringFacts
from app.models import Gathering


def dashboard_overview(gathering: Gathering, facts: GatheringFacts) -> dict:
    notes = note_taking.notes_overview(gathering)
    counts = facts.registered_by("assigned_breakout_id")
    assigned = sum(counts.get(room.id, 0) for room in gathering.breakouts)
    return {
        "rooms": [
            {
                "room": entry.room,
                "count": int(counts.get(entry.room.id, 0)),
                "state": entry.state,
                "label": entry.label,
            }
            for entry in notes
        ],
        "assigned": assigned,
        "without_room": facts.registered - assigned,
        "submitted": sum(1 for entry in notes if entry.state == "submitted"),
        "not_submitted": [entry.room for entry in notes if entry.state != "submitted"],
    }
