"""Reports: read-only figures for managers and funders, the same on screen, in CSV and in PDF."""
