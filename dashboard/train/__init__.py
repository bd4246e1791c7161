"""The Train page's parts: the form's layout and live checks, and the selected run's management."""
