"""The channel-agnostic dialog and one adapter per channel: telegram/, zalo/, web/."""
