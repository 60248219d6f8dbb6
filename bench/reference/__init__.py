"""Servers the launch burst compares the tool with (bench/launch_burst.py); never part of the tool."""
