"""The agent's call screen: the next person to call, the script, the form and outcomes."""
