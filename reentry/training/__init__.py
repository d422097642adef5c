"""Curriculum and trainings: the course as data, group sessions, knowledge tests, kiosk mode."""
