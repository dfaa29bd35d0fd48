"""Browser tests of the Mini App: its production build, served by the real API."""
