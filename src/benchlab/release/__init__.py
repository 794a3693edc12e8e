"""Releases: immutable, versioned, verified packages of a run's experiment, served and monitored."""

from benchlab.release.manager import ComprehensiveReleaseManager, LoadedRelease
from benchlab.release.refs import ReleaseRef

__all__ = ["ComprehensiveReleaseManager", "LoadedRelease", "ReleaseRef"]
