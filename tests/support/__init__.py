"""Test-only infrastructure (throwaway servers and the like); never imported by the package."""
