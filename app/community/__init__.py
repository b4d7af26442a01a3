"""Between gatherings: the community, its recommendations, certificates and outreach."""
