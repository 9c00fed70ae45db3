"""Every figure the app shows, as SQL aggregates; `kpis.kpis` builds the headline set."""
