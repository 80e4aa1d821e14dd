"""The audience panel on the dashboard (registered with workflow.dashboard)."""
