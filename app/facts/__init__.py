"""The read model: every number a page or the report shows comes from here.

``frames`` loads each table once into a DataFrame, ``rules`` defines registered,
attended, walk-in, no-show, invited and responded (and the rates), ``gathering``
puts them together for one gathering, ``survey`` tallies the answers.
"""

from app.facts.gathering import (
    GatheringFacts,
    Survey,
    current_facts,
    gathering_facts,
    survey_counts,
)
from app.facts.vocabulary import Headcount

__all__ = [
    "GatheringFacts",
    "Headcount",
    "Survey",
    "current_facts",
    "gathering_facts",
    "survey_counts",
]
