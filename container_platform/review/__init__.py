"""The offline review: the unmodified program under the SDK mocks, shown to the real pack; the page."""
