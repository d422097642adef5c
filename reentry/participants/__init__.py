"""Participants: the people a program serves, their custody episodes, screening and risk."""
