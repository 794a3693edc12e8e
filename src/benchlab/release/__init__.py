"""Releases: immutable, versioned, verified packages of a run's experiment; a task supplies what
is its own (which files, how models load, serving, monitoring, export) through a ReleaseAdapter."""

from benchlab.release.adapter import ReleaseAdapter
from benchlab.release.manager import ComprehensiveReleaseManager, LoadedRelease
from benchlab.release.refs import ReleaseRef

__all__ = ["ComprehensiveReleaseManager", "LoadedRelease", "ReleaseAdapter", "ReleaseRef"]
