"""Tests of the test harness itself (what happens to the processes tests start when pytest is stopped)."""
