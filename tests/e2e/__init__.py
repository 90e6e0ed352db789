"""Browser tests: phone-size journeys through the real app in headless Chromium."""
