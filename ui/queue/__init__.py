"""The queue's windows: the ticket kiosk, the display board and the counter's call panel."""
